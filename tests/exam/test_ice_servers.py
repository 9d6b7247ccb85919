"""STUN/TURN for the exam room's video (VIDEO_ICE_SERVERS): parsed and refused by the rule, given
to the browser's peer through the room's config and to the media worker's aiortc peer."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone

from exam.realtime.media import rtc_configuration
from exam.services import video as video_services
from exam.services.attempts import attempt_create
from exam.testing import make_bank, make_exam, make_sitting
from lms.models import Credential
from proctor.checks import video_ice_servers
from proctor.rules.video import ice_servers

TURN = {"urls": ["turn:turn.kaohe.example.cn:3478?transport=udp", "turns:turn.kaohe.example.cn:5349"], "username": "kaohe", "credential": "s3cret"}


def test_none_by_default_so_nothing_outside_the_platform_is_asked():
    assert video_services.ice_servers() == []
    assert video_ice_servers(None) == []


def test_stun_and_turn_servers_are_accepted_in_the_rtciceserver_shape():
    assert ice_servers([{"urls": "stun:stun.kaohe.example.cn:3478"}, TURN]) == [
        {"urls": ["stun:stun.kaohe.example.cn:3478"]}, TURN,
    ]


@pytest.mark.parametrize("value, says", [
    ({"urls": "stun:x"}, "list"),
    (["stun:x"], "server 1"),
    ([{"urls": ["https://turn.example.cn"]}], "stun:, turn: or turns:"),
    ([{"urls": []}], "stun:, turn: or turns:"),
    ([{"urls": ["turn:turn.example.cn"]}], "username and a credential"),
])
def test_a_faulty_value_is_refused_naming_the_fault(value, says):
    with pytest.raises(ValueError) as refused:
        ice_servers(value)
    assert says in str(refused.value)


def test_the_system_check_refuses_a_malformed_setting_at_start_up(settings):
    settings.VIDEO_ICE_SERVERS_JSON = "[{\"urls\": [\"turn:t.example.cn\"]}"  # not even JSON
    [error] = video_ice_servers(None)
    assert error.id == "proctor.E003"
    settings.VIDEO_ICE_SERVERS_JSON = json.dumps([{"urls": ["turn:t.example.cn"]}])
    assert [e.id for e in run_checks() if e.id == "proctor.E003"] == ["proctor.E003"]


def test_the_media_workers_peer_gets_the_same_servers():
    configuration = rtc_configuration([TURN])
    [server] = configuration.iceServers
    assert (server.urls, server.username, server.credential) == (TURN["urls"], "kaohe", "s3cret")
    assert rtc_configuration([]).iceServers == []


def test_the_room_gives_the_browser_the_servers(settings, client, world):
    settings.VIDEO_ICE_SERVERS_JSON = json.dumps([TURN])
    credential = Credential.objects.get(code="C")
    make_bank(credential, per_topic=3)
    sitting = make_sitting(
        make_exam(credential), world.gz_authority, [world.gz_worker], starts_at=timezone.now() - datetime.timedelta(minutes=5), hours=2
    )
    attempt = attempt_create(sitting=sitting, candidate=world.gz_worker)
    client.force_login(world.gz_worker.user)
    page = BeautifulSoup(client.get(reverse("exam:room", args=[attempt.pk])).content.decode(), "html.parser")
    assert json.loads(page.select_one("#kaohe-config").string)["ice_servers"] == [TURN]
