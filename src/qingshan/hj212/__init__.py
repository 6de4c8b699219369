"""HJ 212 codec: the protocol China's pollution-source and environmental-quality data
loggers use to talk to monitoring platforms (HJ/T 212-2005, HJ 212-2017, HJ 212-2025).

Sans-I/O, after h11: :class:`Decoder` takes the bytes of a connection and returns
:class:`Frame` / :class:`FrameError` events; the builders turn answers and requests into
bytes. Pure standard library, no I/O, no clock, no Django. Reference: ``hj212.md``.

    decoder = Decoder(lenient=True)
    for event in decoder.receive_data(chunk):
        if event.ok and (answer := answer_for(event.packet)) is not None:
            transport.write(answer)
"""

from .builders import (
    LoggerAddress,
    answer_for,
    build_request,
    data_answer,
    execution_result,
    notification_answer,
    notify_realtime_stop,
    notify_state_stop,
    request_answer,
    request_control,
    request_get_min_interval,
    request_get_rtd_interval,
    request_get_time,
    request_history,
    request_realtime,
    request_set_min_interval,
    request_set_password,
    request_set_rtd_interval,
    request_set_time,
    request_set_timeout,
    request_state,
)
from .crc import hj212_crc16, modbus_crc16
from .decoder import MAX_SEGMENT, MAX_SEGMENT_LENIENT, Decoder, decode_frame, decode_stream
from .encode import EncodeError, check_packet, encode_frame, encode_packet
from .events import ErrorCode, Event, Frame, FrameError, FrameWarning
from .factors import Factor, factor, factor_2005, load_factors
from .jsonform import cp_to_dict, event_to_dict, packet_from_dict
from .packet import CP, Packet, SegmentError, Version, parse_segment, split_key
from .split import PartialMessage, Reassembler
from .tables import (
    SYSTEMS,
    Command,
    DataFlag,
    Direction,
    ExeRtn,
    QnRtn,
    System,
    command_info,
    commands,
    data_flag,
    data_flags,
)
from .values import CHINA_TZ, format_qn, format_time, parse_decimal, parse_time

__all__ = [
    "CHINA_TZ",
    "CP",
    "MAX_SEGMENT",
    "MAX_SEGMENT_LENIENT",
    "SYSTEMS",
    "Command",
    "DataFlag",
    "Decoder",
    "Direction",
    "EncodeError",
    "ErrorCode",
    "Event",
    "ExeRtn",
    "Factor",
    "Frame",
    "FrameError",
    "FrameWarning",
    "LoggerAddress",
    "Packet",
    "PartialMessage",
    "QnRtn",
    "Reassembler",
    "SegmentError",
    "System",
    "Version",
    "answer_for",
    "build_request",
    "check_packet",
    "command_info",
    "commands",
    "cp_to_dict",
    "data_answer",
    "data_flag",
    "data_flags",
    "decode_frame",
    "decode_stream",
    "encode_frame",
    "encode_packet",
    "event_to_dict",
    "execution_result",
    "factor",
    "factor_2005",
    "format_qn",
    "format_time",
    "hj212_crc16",
    "load_factors",
    "modbus_crc16",
    "notification_answer",
    "notify_realtime_stop",
    "notify_state_stop",
    "packet_from_dict",
    "parse_decimal",
    "parse_segment",
    "parse_time",
    "request_answer",
    "request_control",
    "request_get_min_interval",
    "request_get_rtd_interval",
    "request_get_time",
    "request_history",
    "request_realtime",
    "request_set_min_interval",
    "request_set_password",
    "request_set_rtd_interval",
    "request_set_time",
    "request_set_timeout",
    "request_state",
    "split_key",
]
