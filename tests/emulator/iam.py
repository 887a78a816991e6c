"""IAM endpoints: password tokens (``POST /v3/auth/tokens``) and the project lookup AK/SK SDKs use."""

from __future__ import annotations

import json

from .protocol import Request, Response, iam_error

_WRONG_CREDENTIALS = "The username or password is wrong."


def _dig(doc, *keys):
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc


def _scope(account, scope):
    """Return (scope kind, project) for the requested scope, or raise a 401 like IAM."""
    if scope is None:
        return "unscoped", None
    project_ref, domain_ref = _dig(scope, "project"), _dig(scope, "domain")
    if isinstance(project_ref, dict):
        project = account.project(project_id=project_ref.get("id"), name=project_ref.get("name")) \
            if project_ref.get("id") or project_ref.get("name") else None
        if project is None:
            raise iam_error(401, "The project does not exist in this account or you have no access to it.")
        return "project", project
    if isinstance(domain_ref, dict):
        if domain_ref.get("id") not in (None, account.domain_id) or domain_ref.get("name") not in (None, account.domain_name):
            raise iam_error(401, "The domain in the scope does not match the user's domain.")
        return "domain", None
    raise iam_error(400, "The scope must contain project or domain.")


def issue_token(app, request: Request) -> Response:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise iam_error(400, "The request body is not valid JSON.") from None
    identity = _dig(body, "auth", "identity")
    methods = _dig(identity, "methods")
    if not isinstance(methods, list) or methods != ["password"]:
        raise iam_error(400, "auth.identity.methods must be [\"password\"]; the emulator supports only password tokens.")
    user_ref = _dig(identity, "password", "user")
    domain_ref = _dig(user_ref, "domain")
    if not isinstance(user_ref, dict) or not isinstance(domain_ref, dict):
        raise iam_error(400, "auth.identity.password.user with name, password and domain is required.")
    account = app.accounts.domain(domain_id=domain_ref.get("id"), name=domain_ref.get("name")) \
        if domain_ref.get("id") or domain_ref.get("name") else None
    user = account.user(user_ref.get("name")) if account else None
    if user is None or user.password != user_ref.get("password"):
        raise iam_error(401, _WRONG_CREDENTIALS)
    kind, project = _scope(account, _dig(body, "auth", "scope"))
    token = app.auth.issue_token(account, user, project, kind)
    return Response(201, app.auth.token_body(token), {"X-Subject-Token": token.value})


def list_projects(app, request: Request) -> Response:
    account = request.principal.account
    name = request.params.get("name")
    projects = [
        {"id": p["id"], "name": p["name"], "domain_id": p["domain_id"], "parent_id": p["domain_id"],
         "enabled": True, "is_domain": False, "description": ""}
        for p in account.projects
        if not name or p["name"] == name
    ]
    return Response(200, {"projects": projects, "links": {"self": f"http://{request.host}/v3/projects"}})
