"""The published API schema covers every answer; unknown API paths answer JSON, not HTML."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PARTNER_ANSWERS = {
    ("get", "/api/v1/deals/"): {"200", "400", "403", "404"},
    ("post", "/api/v1/deals/"): {"201", "400", "403"},
    ("get", "/api/v1/deals/{id}/"): {"200", "403", "404"},
    ("post", "/api/v1/deals/{id}/submit/"): {"200", "400", "403", "404", "409"},
    ("post", "/api/v1/deals/{id}/withdraw/"): {"200", "400", "403", "404", "409"},
}


def test_the_partner_routes_document_their_error_answers():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    documented = {(method, path): set(paths[path][method]["responses"])
                  for method, path in PARTNER_ANSWERS}
    assert documented == PARTNER_ANSWERS


@pytest.mark.parametrize("path", ["/api/v1/deals/null,null/screening/", "/api/v1/nothing/",
                                  "/api/v1/deals/1/screening/extra/"])
def test_an_unknown_api_path_answers_a_json_404(client_a, path):
    for client in (client_a, Client()):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Not found."}


def test_the_catch_all_stays_out_of_the_schema_and_after_every_route(client_a):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert all(path.startswith("/api/v1/") and path != "/api/v1/" for path in paths
               if path.startswith("/api/"))
    assert client_a.get("/api/v1/deals/").status_code == 200
