#!/bin/sh
# Stand-in for the SMS-Agent shutdown.sh -- FOR TESTS ONLY (see tests/agent_standin/README.md).
# The real SMS-Agent is closed source; this one mimics its layout, prompts and process name.
AGENT_HOME=$(cd "$(dirname "$0")" && pwd)
exec "@PYTHON@" "$AGENT_HOME/agent/bin/sms_agent.py" shutdown
