"""The refused senders on the access-status page: what a field engineer needs to see."""

from __future__ import annotations

from django.urls import reverse

from qingshan.monitoring.models import DeviceState, RefusedSender

STATUS = reverse("monitoring:gateway-status")
LIST = reverse("monitoring:refused-senders")


def refused(mn: str, reason: str, *, device=None, host: str = "10.8.1.20", count: int = 3):
    return RefusedSender.objects.create(
        mn=mn,
        host=host,
        reason=reason,
        device=device,
        first_seen_at=1_795_000_000_000,
        last_seen_at=1_795_000_600_000,
        count=count,
    )


def test_a_mistyped_mn_is_on_the_status_page_with_its_reason_address_and_count(users, api_client):
    refused("010000A8900016F00016XXXX", "unknown-device", count=41)
    page = api_client(users["regulator"]).get(STATUS).content.decode()
    assert "010000A8900016F00016XXXX" in page
    assert "MN 未登记" in page and "10.8.1.20" in page and ">41<" in page
    assert "1 个来源" in page


def test_refused_rows_are_scoped_by_the_device_they_name(users, api_client):
    keqiao, shangyu = users["keqiao"]["device"], users["shangyu"]["device"]
    refused(keqiao.mn, "bad-password", device=keqiao, host="10.0.0.1")
    refused(shangyu.mn, "bad-password", device=shangyu, host="10.0.0.2")
    refused("NOBODY000001", "unknown-device", host="10.0.0.3")

    def seen(user: str) -> set[str]:
        page = api_client(users[user]).get(LIST).content.decode()
        return {mn for mn in (keqiao.mn, shangyu.mn, "NOBODY000001") if mn in page}

    assert seen("admin") == {keqiao.mn, shangyu.mn, "NOBODY000001"}
    assert seen("county") == {keqiao.mn, "NOBODY000001"}  # an unknown MN has no county
    assert seen("enterprise") == {keqiao.mn}  # its own logger's wrong password, nothing else
    assert seen("other_enterprise") == {shangyu.mn}


def test_the_administrator_can_register_an_unknown_mn_from_the_list(users, api_client):
    users["admin"].is_staff = users["admin"].is_superuser = True
    users["admin"].save()
    refused("QSNEW0000000000000000001", "unknown-device")
    page = api_client(users["admin"]).get(LIST).content.decode()
    add = reverse("admin:registry_device_add") + "?mn=QSNEW0000000000000000001"
    assert add in page and "登记此数采仪" in page
    form = api_client(users["admin"]).get(add).content.decode()
    assert 'value="QSNEW0000000000000000001"' in form  # the admin form starts with the MN
    assert add not in api_client(users["regulator"]).get(LIST).content.decode()


def test_the_list_filters_by_mn_or_address_and_by_reason(users, api_client):
    refused("AAAA00000001", "unknown-device", host="10.1.1.1")
    refused("BBBB00000002", "bad-crc", host="10.2.2.2")
    client = api_client(users["admin"])
    page = client.get(LIST, {"q": "10.2.2"}).content.decode()
    assert "BBBB00000002" in page and "AAAA00000001" not in page
    page = client.get(LIST, {"reason": "unknown-device"}).content.decode()
    assert "AAAA00000001" in page and "BBBB00000002" not in page


def test_out_of_window_packets_are_counted_per_device_with_the_loggers_clock(users, api_client):
    device = users["keqiao"]["device"]
    DeviceState.objects.create(
        device=device, packets=10, out_of_window=4, last_out_of_window=946_656_000
    )  # 2000-01-01 00:00 China time: a clock that reset
    page = api_client(users["regulator"]).get(STATUS).content.decode()
    assert "data-out-of-window>4<" in page
    assert "2000-01-01 00:00" in page
