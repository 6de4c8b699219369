"""A citizen who lands on the login page finds the public quality pages without an account."""

from django.test import Client
from django.urls import reverse


def test_the_login_page_leads_to_the_public_quality_pages(db):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    public = reverse("quality:air")
    assert f'href="{public}"' in page
    assert client.get(public).status_code == 200
