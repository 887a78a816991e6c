# -*- coding: utf-8 -*-
# Copyright (c) hwcloud.sms contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection and authentication options shared by every SMS module and plugin.

The option table in code is ``CONNECTION_OPTIONS`` in ``plugins/module_utils/_sms/client.py``;
tests/unit/plugins/module_utils/_sms/test_module.py checks that both say the same.
"""

from __future__ import annotations


# The two variants repeat the connection options word for word: ansible-test reads doc fragments
# as string literals, so they cannot be assembled from a shared constant.
class ModuleDocFragment:
    # Modules (hwcloud.sms.sms): environment variables are named in the descriptions, because
    # module documentation cannot use env: entries.
    DOCUMENTATION = r"""
options:
  endpoint:
    description:
      - SMS API endpoint (scheme and host; SMS paths never contain a project id). The
        international site is V(https://sms.ap-southeast-3.myhuaweicloud.com), Huawei Cloud
        China is V(https://sms.cn-north-4.myhuaweicloud.com); other sites, for example
        V(https://sms-api.ru-moscow-1.myhuaweicloud.com), can be set here. If not set, the
        environment variable E(HUAWEICLOUD_SMS_ENDPOINT) is used.
    type: str
    default: https://sms.ap-southeast-3.myhuaweicloud.com
  region:
    description:
      - Region whose project the credentials act in. With AK/SK and no O(project_id), the
        project id is looked up by this name through IAM; password tokens are scoped to this
        project. Use the region of the SMS endpoint (V(ap-southeast-3) or V(cn-north-4)). If not
        set, the environment variable E(HUAWEICLOUD_SDK_REGION) is used.
    type: str
    default: ap-southeast-3
  iam_endpoint:
    description:
      - IAM endpoint used for the project lookup and for password tokens. If not set, the
        environment variable E(HUAWEICLOUD_SDK_IAM_ENDPOINT) is used.
    type: str
    default: https://iam.myhuaweicloud.com
  access_key:
    description:
      - Access key (AK) for SDK-HMAC-SHA256 request signing, used when O(auth_token) is not set.
        If not set, the environment variable E(HUAWEICLOUD_SDK_AK) is used.
    type: str
    aliases: [ak]
  secret_key:
    description:
      - Secret key (SK) paired with O(access_key). It is never logged. If not set, the
        environment variable E(HUAWEICLOUD_SDK_SK) is used.
    type: str
    aliases: [sk]
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent as C(X-Security-Token) and covered
        by the signature. SMS advises against temporary credentials for migrations. If not set,
        the environment variable E(HUAWEICLOUD_SDK_SECURITY_TOKEN) is used.
    type: str
  project_id:
    description:
      - Project id sent as C(X-Project-Id) with AK/SK. When unset it is resolved from O(region)
        through IAM, once per module run (one extra request). If not set, the environment
        variable E(HUAWEICLOUD_SDK_PROJECT_ID) is used.
    type: str
  auth_token:
    description:
      - A project-scoped IAM token, sent as C(X-Auth-Token). It takes precedence over
        O(access_key) and O(username). If not set, the environment variable
        E(HUAWEICLOUD_SDK_AUTH_TOKEN) is used.
    type: str
  username:
    description:
      - IAM user name. With O(password) and O(domain_name), a token scoped to the project of
        O(region) is obtained once per module run and reused for every call. If not set, the
        environment variable E(HUAWEICLOUD_USERNAME) is used.
    type: str
  password:
    description:
      - Password of O(username). It is never logged. If not set, the environment variable
        E(HUAWEICLOUD_PASSWORD) is used.
    type: str
  domain_name:
    description:
      - Account (domain) name of O(username). If not set, the environment variable
        E(HUAWEICLOUD_DOMAIN_NAME) is used.
    type: str
  validate_certs:
    description:
      - Verify the TLS certificates of the SMS and IAM endpoints. Turn it off only for testing;
        a warning is given when it is off. It wins over the E(REQUESTS_CA_BUNDLE) and
        E(CURL_CA_BUNDLE) environment variables.
    type: bool
    default: true
  ca_path:
    description:
      - PEM bundle of certificate authorities to trust, for example behind a TLS-intercepting
        proxy. When set it wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE); when not set,
        those variables are used if present, else the default store of the Python library
        C(requests). Proxies themselves come from the E(HTTPS_PROXY), E(HTTP_PROXY) and
        E(NO_PROXY) environment variables.
    type: path
  allow_insecure_http:
    description:
      - Allow an IAM password or token to be sent to a plain C(http://) O(endpoint) or
        O(iam_endpoint), for test endpoints such as an emulator. Without it such a
        configuration is refused before anything is sent. AK/SK signed requests over
        C(http://) are only warned about (the secret key itself is never sent).
        If not set, the environment variable E(HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP) is used.
    type: bool
    default: false
  timeout:
    description:
      - Seconds to wait for a connection and for each read of one HTTP response (never more
        than what is left of O(deadline)).
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after throttling (HTTP 429, C(APIGW.0308), honouring
        C(Retry-After)), a server error (5xx) or a connection failure, with exponential backoff
        and full jitter. Other client errors (4xx) are never retried. A registration without a
        source id is never re-sent blindly; the source is looked up first.
    type: int
    default: 5
  deadline:
    description:
      - Upper bound in seconds of wall-clock time for one logical API call, with every phase
        included - connection, response headers and body, retries and backoff waits, the IAM
        project or token look-up it needs, and all pages of a listing. A server that sends its
        answer byte by byte is cut off when the deadline passes.
    type: float
    default: 120
  max_response_size:
    description:
      - Largest response body accepted, in bytes, counted after C(gzip)/C(deflate)
        decompression. A larger answer is an error, so a huge body or a compression bomb
        cannot exhaust the memory of the controller. The default is 16 MiB, far above what
        SMS sends (one page of 200 sources is well under 1 MiB).
    type: int
    default: 16777216
notes:
  - Credentials are used in this order; O(auth_token); O(access_key) with O(secret_key) (every
    request signed, plus O(security_token) for temporary credentials); O(username) with
    O(password) and O(domain_name).
  - SMS is a global service with one endpoint per site; the credentials must belong to the
    project of the endpoint's region.
  - Answers are checked before use - a success whose body is not the JSON the call expects
    (an HTML page from a proxy, an empty or truncated body) is an error, retried for reads,
    never taken as "no sources". Redirects are not followed. Listings stop with an error on
    inconsistent page counts, repeated pages or more than 100 pages.
requirements:
  - requests
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check mode), when in diff mode.
  action_group:
    description: Use C(group/hwcloud.sms.sms) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - hwcloud.sms.sms
"""

    # Inventory and other plugins (hwcloud.sms.sms.plugins): the same options with env: entries.
    PLUGINS = r"""
options:
  endpoint:
    description:
      - SMS API endpoint (scheme and host; SMS paths never contain a project id). The
        international site is V(https://sms.ap-southeast-3.myhuaweicloud.com), Huawei Cloud
        China is V(https://sms.cn-north-4.myhuaweicloud.com); other sites, for example
        V(https://sms-api.ru-moscow-1.myhuaweicloud.com), can be set here.
    type: str
    default: https://sms.ap-southeast-3.myhuaweicloud.com
    env:
      - name: HUAWEICLOUD_SMS_ENDPOINT
  region:
    description:
      - Region whose project the credentials act in. With AK/SK and no O(project_id), the
        project id is looked up by this name through IAM; password tokens are scoped to this
        project. Use the region of the SMS endpoint (V(ap-southeast-3) or V(cn-north-4)).
    type: str
    default: ap-southeast-3
    env:
      - name: HUAWEICLOUD_SDK_REGION
  iam_endpoint:
    description:
      - IAM endpoint used for the project lookup and for password tokens.
    type: str
    default: https://iam.myhuaweicloud.com
    env:
      - name: HUAWEICLOUD_SDK_IAM_ENDPOINT
  access_key:
    description:
      - Access key (AK) for SDK-HMAC-SHA256 request signing, used when O(auth_token) is not set.
    type: str
    aliases: [ak]
    env:
      - name: HUAWEICLOUD_SDK_AK
  secret_key:
    description:
      - Secret key (SK) paired with O(access_key). It is never logged.
    type: str
    aliases: [sk]
    env:
      - name: HUAWEICLOUD_SDK_SK
  security_token:
    description:
      - Security token of temporary AK/SK credentials, sent as C(X-Security-Token) and covered
        by the signature. SMS advises against temporary credentials for migrations.
    type: str
    env:
      - name: HUAWEICLOUD_SDK_SECURITY_TOKEN
  project_id:
    description:
      - Project id sent as C(X-Project-Id) with AK/SK. When unset it is resolved from O(region)
        through IAM, once per module run (one extra request).
    type: str
    env:
      - name: HUAWEICLOUD_SDK_PROJECT_ID
  auth_token:
    description:
      - A project-scoped IAM token, sent as C(X-Auth-Token). It takes precedence over
        O(access_key) and O(username).
    type: str
    env:
      - name: HUAWEICLOUD_SDK_AUTH_TOKEN
  username:
    description:
      - IAM user name. With O(password) and O(domain_name), a token scoped to the project of
        O(region) is obtained once per module run and reused for every call.
    type: str
    env:
      - name: HUAWEICLOUD_USERNAME
  password:
    description:
      - Password of O(username). It is never logged.
    type: str
    env:
      - name: HUAWEICLOUD_PASSWORD
  domain_name:
    description:
      - Account (domain) name of O(username).
    type: str
    env:
      - name: HUAWEICLOUD_DOMAIN_NAME
  validate_certs:
    description:
      - Verify the TLS certificates of the SMS and IAM endpoints. Turn it off only for testing;
        a warning is given when it is off. It wins over the E(REQUESTS_CA_BUNDLE) and
        E(CURL_CA_BUNDLE) environment variables.
    type: bool
    default: true
  ca_path:
    description:
      - PEM bundle of certificate authorities to trust, for example behind a TLS-intercepting
        proxy. When set it wins over E(REQUESTS_CA_BUNDLE) and E(CURL_CA_BUNDLE); when not set,
        those variables are used if present, else the default store of the Python library
        C(requests). Proxies themselves come from the E(HTTPS_PROXY), E(HTTP_PROXY) and
        E(NO_PROXY) environment variables.
    type: path
  allow_insecure_http:
    description:
      - Allow an IAM password or token to be sent to a plain C(http://) O(endpoint) or
        O(iam_endpoint), for test endpoints such as an emulator. Without it such a
        configuration is refused before anything is sent. AK/SK signed requests over
        C(http://) are only warned about (the secret key itself is never sent).
    type: bool
    default: false
    env:
      - name: HUAWEICLOUD_SMS_ALLOW_INSECURE_HTTP
  timeout:
    description:
      - Seconds to wait for a connection and for each read of one HTTP response (never more
        than what is left of O(deadline)).
    type: float
    default: 30
  retries:
    description:
      - How many times a request is retried after throttling (HTTP 429, C(APIGW.0308), honouring
        C(Retry-After)), a server error (5xx) or a connection failure, with exponential backoff
        and full jitter. Other client errors (4xx) are never retried. A registration without a
        source id is never re-sent blindly; the source is looked up first.
    type: int
    default: 5
  deadline:
    description:
      - Upper bound in seconds of wall-clock time for one logical API call, with every phase
        included - connection, response headers and body, retries and backoff waits, the IAM
        project or token look-up it needs, and all pages of a listing. A server that sends its
        answer byte by byte is cut off when the deadline passes.
    type: float
    default: 120
  max_response_size:
    description:
      - Largest response body accepted, in bytes, counted after C(gzip)/C(deflate)
        decompression. A larger answer is an error, so a huge body or a compression bomb
        cannot exhaust the memory of the controller. The default is 16 MiB, far above what
        SMS sends (one page of 200 sources is well under 1 MiB).
    type: int
    default: 16777216
notes:
  - Credentials are used in this order; O(auth_token); O(access_key) with O(secret_key) (every
    request signed, plus O(security_token) for temporary credentials); O(username) with
    O(password) and O(domain_name).
  - SMS is a global service with one endpoint per site; the credentials must belong to the
    project of the endpoint's region.
  - Answers are checked before use - a success whose body is not the JSON the call expects
    (an HTML page from a proxy, an empty or truncated body) is an error, retried for reads,
    never taken as "no sources". Redirects are not followed. Listings stop with an error on
    inconsistent page counts, repeated pages or more than 100 pages.
requirements:
  - requests
"""
