"""The OpenAPI schema is what clients (and the fuzzing of the security issue) rely on."""

import io

from django.core.management import call_command


def test_the_openapi_schema_generates_and_validates_without_warnings(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out)


def test_every_api_endpoint_refuses_anonymous_users(client, db):
    for url in ("/api/v1/staff/", "/api/v1/agencies/", "/api/v1/units/", "/api/v1/rulesets/"):
        assert client.get(url).status_code in (401, 403), url
    response = client.post(
        "/api/v1/rulesets/ND335-2025/simulate/", {}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
