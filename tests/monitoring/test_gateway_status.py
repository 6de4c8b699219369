from django.urls import reverse

from qingshan.monitoring.models import DeviceState

URL = reverse("monitoring:gateway-status")


def test_regulator_sees_online_devices_with_their_last_packet_and_errors(users, api_client):
    device = users["keqiao"]["device"]
    DeviceState.objects.create(
        device=device,
        connected=True,
        peer="10.8.1.20:40211",
        last_seen_at=1_795_000_000_000,
        last_cn="2011",
        version="2017",
        packets=1234,
        refused=2,
        frame_errors=7,
    )
    page = api_client(users["regulator"]).get(URL).content.decode()
    assert device.mn in page
    assert "10.8.1.20:40211" in page
    assert ">1234<" in page.replace(",", "")
    assert users["shangyu"]["device"].mn in page  # never connected, still listed
    assert "从未接入" in page


def test_status_page_is_scoped(users, api_client):
    page = api_client(users["county"]).get(URL).content.decode()
    assert users["keqiao"]["device"].mn in page
    assert users["shangyu"]["device"].mn not in page
    page = api_client(users["other_enterprise"]).get(URL).content.decode()
    assert users["keqiao"]["device"].mn not in page


def test_online_filter(users, api_client):
    DeviceState.objects.create(device=users["keqiao"]["device"], connected=True)
    page = api_client(users["regulator"]).get(URL, {"online": "1"}).content.decode()
    assert users["keqiao"]["device"].mn in page
    assert users["shangyu"]["device"].mn not in page


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_an_air_stations_logger_is_listed_for_the_administrator(users, api_client):
    from qingshan.registry.models import Device, MonitoringPoint
    from qingshan.registry.passwords import device_password_digest

    point = MonitoringPoint.objects.create(outlet=None, name="柯桥站点空气自动站", factors=[])
    Device.objects.create(
        point=point, mn="AIR330603000001", password_digest=device_password_digest("123456")
    )
    response = api_client(users["admin"]).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "AIR330603000001" in page and "柯桥站点空气自动站" in page


def test_the_judging_backlog_is_shown_while_a_worker_reads_the_stream(users, api_client):
    """Packets committed but not yet judged: the figure the gateway pauses on (ADR 14)."""
    from django.utils import timezone

    from qingshan.core.models import EventCursor
    from qingshan.monitoring.models import RawPacket

    device = users["keqiao"]["device"]
    packets = RawPacket.objects.bulk_create(
        RawPacket(received_at=timezone.now(), device_id=device.pk, raw=b"##0000") for _ in range(5)
    )
    page = api_client(users["regulator"]).get(URL).content.decode()
    assert "data-unjudged>—<" in page  # nobody reads the stream: nothing to wait for
    EventCursor.objects.create(consumer="stream:monitoring.alarms", last_id=packets[1].pk)
    page = api_client(users["regulator"]).get(URL).content.decode()
    assert "data-unjudged>3<" in page
