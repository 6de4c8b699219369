"""Code tables of HJ 212: system codes (ST), commands (CN), data flags, QnRtn and ExeRtn.

Sources: HJ 212-2017 Tables 5–9 (hj212.md §3–§5); HJ/T 212-2005 as implemented by several
independent codebases (§4.2, §5.1); HJ 212-2025 only as far as hj212.md §4.3/§10 knows it.
Every table is extendable in the standard, so lookups return ``None`` for unknown codes
and callers must keep such codes as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

from .packet import Version

__all__ = [
    "EXE_RTN_NAMES",
    "QN_RTN_NAMES",
    "SYSTEMS",
    "Command",
    "DataFlag",
    "Direction",
    "ExeRtn",
    "QnRtn",
    "System",
    "command_info",
    "commands",
    "data_flag",
    "data_flags",
]


@dataclass(frozen=True, slots=True)
class System:
    """A system code (ST), 2017 Table 5."""

    code: str
    name_zh: str
    name_en: str


SYSTEMS: dict[str, System] = {
    s.code: s
    for s in (
        System("21", "地表水质量监测", "surface water quality"),
        System("22", "空气质量监测", "air quality"),
        System("23", "声环境质量监测", "acoustic environment quality"),
        System("24", "地下水质量监测", "groundwater quality"),
        System("25", "土壤质量监测", "soil quality"),
        System("26", "海水质量监测", "seawater quality"),
        System("27", "挥发性有机物监测", "volatile organic compounds"),
        System("31", "大气环境污染源", "atmospheric pollution source"),
        System("32", "地表水体环境污染源", "surface-water pollution source"),
        System("33", "地下水体环境污染源", "groundwater pollution source"),
        System("34", "海洋环境污染源", "marine pollution source"),
        System("35", "土壤环境污染源", "soil pollution source"),
        System("36", "声环境污染源", "noise pollution source"),
        System("37", "振动环境污染源", "vibration pollution source"),
        System("38", "放射性环境污染源", "radioactive pollution source"),
        System("39", "工地扬尘污染源", "construction-site dust source"),
        System("41", "电磁环境污染源", "electromagnetic pollution source"),
        System("51", "烟气排放过程监控", "flue-gas emission process monitoring"),
        System("52", "污水排放过程监控", "wastewater emission process monitoring"),
        System("91", "系统交互", "system interaction"),
    )
}


class Direction(StrEnum):
    """Who sends a command (2017 Table 9: 上位机 = platform, 现场机 = field machine)."""

    TO_LOGGER = "platform-to-logger"
    TO_PLATFORM = "logger-to-platform"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Command:
    """A command code (CN). ``pattern`` is the exchange of hj212.md §6: R1 request/9011/9012,
    R2 request with a data response, R3 history retrieval, U upload (9014 if A=1),
    N1 platform notification (9013), N2 logger notification (platform answers 9013),
    A an answer."""

    cn: str
    name_zh: str
    name_en: str
    direction: Direction
    pattern: str

    @property
    def answered_with_9013(self) -> bool:
        """A logger notification: the platform's answer is 9013, not 9014."""
        return "N2" in self.pattern


_P, _L, _B = Direction.TO_LOGGER, Direction.TO_PLATFORM, Direction.BOTH

_COMMON = (
    Command("1000", "设置超时时间及重发次数", "set timeout and retry count", _P, "R1"),
    Command("1011", "提取/上传现场机时间", "get / upload field-machine time", _B, "R2"),
    Command("1012", "设置现场机时间", "set field-machine time", _P, "R1"),
    Command("1061", "提取/上传实时数据间隔", "get / upload real-time data interval", _B, "R2"),
    Command("1062", "设置实时数据间隔", "set real-time data interval", _P, "R1"),
    Command("1072", "设置现场机访问密码", "set field-machine password", _P, "R1"),
    Command("2011", "取/上传污染物实时数据", "real-time data (start / upload)", _B, "R1/U"),
    Command("2012", "停止察看污染物实时数据", "stop real-time data", _P, "N1"),
    Command(
        "2021", "取/上传设备运行状态数据", "facility running state (start / upload)", _B, "R1/U"
    ),
    Command("2022", "停止察看设备运行状态", "stop facility running state", _P, "N1"),
    Command("2031", "取/上传污染物日历史数据", "daily history data", _B, "R3/U"),
    Command(
        "2041", "取/上传设备运行时间日历史数据", "facility running-time daily history", _B, "R3/U"
    ),
    Command("2051", "取/上传污染物分钟数据", "minute data", _B, "R3/U"),
    Command("2061", "取/上传污染物小时数据", "hourly data", _B, "R3/U"),
    Command("3011", "零点校准量程校准", "zero / span calibration", _P, "R1"),
    Command("3012", "即时采样", "immediate sampling", _P, "R1"),
    Command("9011", "请求应答", "request answer (QnRtn)", _L, "A"),
    Command("9012", "执行结果", "execution result (ExeRtn)", _L, "A"),
    Command("9013", "通知应答", "notification answer", _B, "A"),
    Command("9014", "数据应答", "data answer", _B, "A"),
)

# New in HJ 212-2017 (hj212.md §4.1, §4.2).
_NEW_2017 = (
    Command("1013", "现场机时间校准请求", "field-machine time-calibration request", _L, "N2"),
    Command("1063", "提取/上传分钟数据间隔", "get / upload minute-data interval", _B, "R2"),
    Command("1064", "设置分钟数据间隔", "set minute-data interval", _P, "R1"),
    Command("2081", "上传数采仪开机时间", "upload data-logger power-on time", _L, "U"),
    Command("3013", "启动清洗/反吹", "start cleaning / blowback", _P, "R1"),
    Command("3014", "比对采样", "comparison sampling", _P, "R1"),
    Command("3015", "超标留样", "over-limit sample retention", _B, "R2"),
    Command("3016", "设置采样时间周期", "set sampling period", _P, "R1"),
    Command("3017", "提取/上传采样时间周期", "get / upload sampling period", _B, "R2"),
    Command("3018", "提取/上传出样时间", "get / upload sample-output time", _B, "R2"),
    Command("3019", "提取/上传设备唯一标识", "get / upload instrument unique id", _B, "R2/U"),
    Command("3020", "提取/上传现场机信息", "get / upload field-machine information", _B, "R2/R3/U"),
    Command("3021", "设置现场机参数", "set field-machine parameter", _P, "R1"),
)

# In HJ/T 212-2005 only, or with another meaning there (hj212.md §4.2).
_ONLY_2005 = (
    Command("1001", "设置超限报警时间", "set over-limit alarm time", _P, "R1"),
    Command("1021", "提取污染物报警门限值", "get pollutant alarm limits", _B, "R2"),
    Command("1022", "设置污染物报警门限值", "set pollutant alarm limits", _P, "R1"),
    Command("1031", "提取上位机地址", "get platform address", _B, "R2"),
    Command("1032", "设置上位机地址", "set platform address", _P, "R1"),
    Command("1041", "提取数据上报时间", "get daily report time", _B, "R2"),
    Command("1042", "设置数据上报时间", "set daily report time", _P, "R1"),
    Command("2071", "取污染物报警记录", "get pollutant alarm records", _B, "R3/U"),
    Command("2072", "上传污染物报警事件", "upload alarm event", _L, "U"),
    Command("3013", "设备操作（反吹等）", "device operation (blowback etc.)", _P, "R1"),
    Command("3014", "设置采样时间周期", "set sampling period", _P, "R1"),
)

# HJ 212-2025 additions as implemented by caoyiliang/HJ212 (hj212.md §4.3, §10); the
# standard's text was not available, so names are descriptive, not the official titles.
_NEW_2025 = (
    Command("1001", "上传数采仪硬件序列号", "upload data-logger hardware serial", _L, "N2"),
    Command("1002", "设置数采仪MN", "set data-logger MN", _P, "R1"),
    Command("1014", "密钥交换", "key exchange", _L, "N2"),
    Command("2013", "取/上传原始监测数据", "raw monitoring data", _B, "R1/U"),
    Command("2052", "上传噪声单次测量数据", "upload single noise measurement", _L, "U"),
    Command("2062", "取/上传自动标样核查数据", "automatic standard-sample check data", _B, "R3/U"),
    Command("2111", "上传炉温5分钟均值", "upload furnace temperature 5-minute mean", _L, "U"),
    Command("3022", "即时留样任务", "instant sample-retention task", _P, "R1"),
    Command("3024", "启动标样核查", "start standard-sample check", _P, "R1"),
    Command("9015", "心跳", "heartbeat", _L, "N2"),
)

_BY_VERSION: dict[Version, dict[str, Command]] = {
    Version.V2005: {c.cn: c for c in (*_COMMON, *_ONLY_2005)},
    Version.V2017: {c.cn: c for c in (*_COMMON, *_NEW_2017)},
    Version.V2025: {c.cn: c for c in (*_COMMON, *_NEW_2017, *_NEW_2025)},
}


def commands(version: Version = Version.V2017) -> dict[str, Command]:
    """All command codes known for an edition, by CN."""
    return dict(_BY_VERSION[version])


def command_info(cn: str | None, version: Version | None = Version.V2017) -> Command | None:
    """The command ``cn`` means in ``version`` (2017 when the version is unknown)."""
    if cn is None:
        return None
    return _BY_VERSION[version or Version.V2017].get(cn)


@dataclass(frozen=True, slots=True)
class DataFlag:
    """A data flag (``xxxxxx-Flag``): 2017 Table 8, or the 2005 letters (hj212.md §5.1)."""

    code: str
    name_zh: str
    name_en: str
    #: Whether values with this flag count as valid monitoring data.
    valid: bool


_FLAGS_2017 = (
    DataFlag("N", "正常", "normal", True),
    DataFlag("F", "停运", "instrument stopped", False),
    DataFlag("M", "维护", "maintenance", False),
    DataFlag("S", "手工输入的设定值", "manually entered set value", False),
    DataFlag("D", "故障", "instrument fault", False),
    DataFlag("C", "校准", "calibration", False),
    DataFlag("T", "超测上限", "above measuring range", False),
    DataFlag("B", "通讯异常", "instrument communication failure", False),
)
_FLAGS_2005 = (
    DataFlag("P", "电源故障", "power failure", False),
    DataFlag("F", "排放源停运", "emission source stopped", False),
    DataFlag("C", "校验", "calibration / check", False),
    DataFlag("M", "维护", "maintenance", False),
    DataFlag("T", "超测上限", "above measuring range", False),
    DataFlag("D", "故障", "fault", False),
    DataFlag("S", "设定值", "set value", False),
    DataFlag("N", "正常", "normal", True),
    # Air-quality stations (ST=22) under 2005 used digits.
    DataFlag("0", "校准数据", "calibration data", False),
    DataFlag("1", "气象参数", "meteorological parameter", True),
    DataFlag("2", "异常数据", "abnormal data", False),
    DataFlag("3", "正常数据", "normal data", True),
)
_FLAGS: dict[Version, dict[str, DataFlag]] = {
    Version.V2005: {f.code: f for f in _FLAGS_2005},
    Version.V2017: {f.code: f for f in _FLAGS_2017},
    Version.V2025: {f.code: f for f in _FLAGS_2017},
}


def data_flags(version: Version = Version.V2017) -> dict[str, DataFlag]:
    """All data flags of an edition, by letter."""
    return dict(_FLAGS[version])


def data_flag(code: str | None, version: Version | None = Version.V2017) -> DataFlag | None:
    """Meaning of a data flag in ``version`` (2017 when the version is unknown)."""
    if code is None:
        return None
    return _FLAGS[version or Version.V2017].get(code)


class QnRtn(IntEnum):
    """Request answer codes in 9011, 2017 Table 7 (2005 had only 1–3)."""

    READY = 1
    REJECTED = 2
    PW_ERROR = 3
    MN_ERROR = 4
    ST_ERROR = 5
    FLAG_ERROR = 6
    QN_ERROR = 7
    CN_ERROR = 8
    CRC_ERROR = 9
    UNKNOWN_ERROR = 100


QN_RTN_NAMES: dict[QnRtn, tuple[str, str]] = {
    QnRtn.READY: ("准备执行请求", "ready to execute"),
    QnRtn.REJECTED: ("请求被拒绝", "request rejected"),
    QnRtn.PW_ERROR: ("PW错误", "password error"),
    QnRtn.MN_ERROR: ("MN错误", "MN error"),
    QnRtn.ST_ERROR: ("ST错误", "ST error"),
    QnRtn.FLAG_ERROR: ("Flag错误", "Flag error"),
    QnRtn.QN_ERROR: ("QN错误", "QN error"),
    QnRtn.CN_ERROR: ("CN错误", "CN error"),
    QnRtn.CRC_ERROR: ("CRC校验错误", "CRC error"),
    QnRtn.UNKNOWN_ERROR: ("未知错误", "unknown error"),
}


class ExeRtn(IntEnum):
    """Execution results in 9012, 2017 Table 6 (2005 had 1, 2 and 100)."""

    SUCCESS = 1
    FAILED = 2
    CONDITION_ERROR = 3
    TIMEOUT = 4
    BUSY = 5
    FAULT = 6
    NO_DATA = 100


EXE_RTN_NAMES: dict[ExeRtn, tuple[str, str]] = {
    ExeRtn.SUCCESS: ("执行成功", "success"),
    ExeRtn.FAILED: ("执行失败，但不知道原因", "failed, reason unknown"),
    ExeRtn.CONDITION_ERROR: ("命令请求条件错误", "request condition error"),
    ExeRtn.TIMEOUT: ("通讯超时", "communication timeout"),
    ExeRtn.BUSY: ("系统繁忙不能执行", "system busy"),
    ExeRtn.FAULT: ("系统故障", "system fault"),
    ExeRtn.NO_DATA: ("没有数据", "no data"),
}
