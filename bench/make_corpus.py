"""Generate N synthetic privacy policies from the two seed policies, deterministically.

Each policy is a variation of one seed (the curated Markdown of corpus/ or, for about a quarter,
the raw scraped text of tests/data/seeds/): its own product, company, domain, phone and date;
sections shuffled, dropped or borrowed from the other seed; sentences swapped between the
seeds; synonym groups rewritten; periods and ages changed; product-specific feature clauses
added. Vocabulary and lengths vary the way a crawl of real app policies does (~13–25 k
characters each). The two real policies are included verbatim as the first two, so every
corpus of N ≥ 2 holds mcmeet and vymeet and the dev-set questions still name real products.

    .venv/bin/python -m bench.make_corpus 1000          # → bench/corpora/1000/
    .venv/bin/python -m bench.make_corpus 100 --seed 7 --out /tmp/c100

A folder generated with the same parameters is reused (bench/corpora/<N>/.manifest.json).
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
CORPORA = BENCH / "corpora"
SEED_MD = [ROOT / "corpus" / "mcmeet.md", ROOT / "corpus" / "vymeet.md"]
SEED_RAW_DIR = ROOT / "tests" / "data" / "seeds"  # the launch policies as scraped
GENERATOR_VERSION = 1
RAW_SHARE = 0.25  # share of policies generated from the raw scraped seeds

# (name, pinyin) – combined with a category they give 40 × 26 = 1,040 distinct products.
PREFIXES = [
    ("星河", "xinghe"), ("云图", "yuntu"), ("青鸟", "qingniao"), ("飞鱼", "feiyu"),
    ("蓝鲸", "lanjing"), ("极光", "jiguang"), ("晨曦", "chenxi"), ("北斗", "beidou"),
    ("银杏", "yinxing"), ("橙子", "chengzi"), ("麦田", "maitian"), ("松果", "songguo"),
    ("火山", "huoshan"), ("白鹭", "bailu"), ("知了", "zhiliao"), ("海豚", "haitun"),
    ("熊猫", "xiongmao"), ("紫藤", "ziteng"), ("星火", "xinghuo"), ("木棉", "mumian"),
    ("鲸落", "jingluo"), ("流星", "liuxing"), ("山海", "shanhai"), ("蜂鸟", "fengniao"),
    ("锦鲤", "jinli"), ("竹叶", "zhuye"), ("雪梨", "xueli"), ("琥珀", "hupo"),
    ("彩虹", "caihong"), ("灯塔", "dengta"), ("风车", "fengche"), ("橘猫", "jumao"),
    ("远航", "yuanhang"), ("星辰", "xingchen"), ("云雀", "yunque"), ("石榴", "shiliu"),
    ("明月", "mingyue"), ("浪花", "langhua"), ("秋实", "qiushi"), ("凌云", "lingyun"),
]
CATEGORIES = [
    ("会议", "meet", ["视频会议", "屏幕共享", "会议录制", "会议直播"]),
    ("笔记", "note", ["笔记同步", "图片识别", "语音速记", "共享笔记本"]),
    ("网盘", "drive", ["文件备份", "相册同步", "文件分享", "离线下载"]),
    ("地图", "map", ["实时导航", "路线规划", "周边搜索", "位置共享"]),
    ("音乐", "music", ["听歌识曲", "歌单推荐", "离线播放", "K歌"]),
    ("视频", "video", ["视频播放", "弹幕评论", "视频上传", "投屏"]),
    ("阅读", "read", ["书架同步", "听书", "划线笔记", "书友圈"]),
    ("健身", "fit", ["运动记录", "心率监测", "跑步轨迹", "课程推荐"]),
    ("外卖", "food", ["在线点餐", "配送跟踪", "优惠券", "评价晒单"]),
    ("出行", "go", ["网约车", "顺风车", "行程分享", "紧急联系人"]),
    ("相机", "cam", ["美颜拍摄", "滤镜", "人像抠图", "相册管理"]),
    ("输入法", "ime", ["云输入", "语音输入", "个性词库", "剪贴板同步"]),
    ("浏览器", "browser", ["书签同步", "无痕浏览", "广告拦截", "下载管理"]),
    ("邮箱", "mail", ["邮件收发", "附件预览", "垃圾邮件过滤", "通讯录同步"]),
    ("日历", "cal", ["日程提醒", "日程共享", "节假日订阅", "待办清单"]),
    ("翻译", "trans", ["拍照翻译", "同声传译", "文档翻译", "生词本"]),
    ("直播", "live", ["开播", "礼物打赏", "连麦", "直播回放"]),
    ("商城", "shop", ["在线支付", "收货地址管理", "售后服务", "商品推荐"]),
    ("招聘", "job", ["简历投递", "在线面试", "职位推荐", "求职意向"]),
    ("记账", "money", ["自动记账", "账单导入", "预算提醒", "家庭账本"]),
    ("天气", "weather", ["天气预报", "空气质量", "灾害预警", "穿衣指数"]),
    ("学习", "study", ["在线课堂", "作业批改", "错题本", "学习报告"]),
    ("办公", "work", ["在线文档", "考勤打卡", "审批", "企业通讯录"]),
    ("社区", "club", ["发帖", "私信", "话题关注", "附近的人"]),
    ("游戏", "game", ["实名认证", "防沉迷", "游戏充值", "好友组队"]),
    ("健康", "health", ["在线问诊", "体检报告", "用药提醒", "睡眠监测"]),
]
CITIES = [("北京", "北京市海淀区"), ("上海", "上海市浦东新区"), ("杭州", "杭州市西湖区"),
          ("深圳", "深圳市南山区"), ("广州", "广州市天河区"), ("成都", "成都市高新区"),
          ("南京", "南京市鼓楼区"), ("武汉", "武汉市洪山区"), ("厦门", "厦门市思明区"),
          ("苏州", "苏州市工业园区"), ("西安", "西安市雁塔区"), ("长沙", "长沙市岳麓区")]
COMPANY_KINDS = ["网络科技", "信息技术", "数字科技", "软件", "智能科技", "互联网科技", "科技"]
ROADS = ["文一西路", "科技园路", "张江路", "中关村大街", "天府大道", "软件大道", "创业路", "望京街"]

DATA = ["手机号码", "电子邮件地址", "设备型号", "IP地址", "位置信息", "通讯录", "相册照片",
        "身份证号码", "银行卡信息", "浏览记录", "搜索记录", "设备标识符", "麦克风音频",
        "运动数据", "收货地址", "订单信息", "剪贴板内容", "应用列表", "WLAN状态", "生物识别信息"]
PERMS = ["相机", "麦克风", "位置", "通讯录", "存储", "日历", "蓝牙", "通知", "剪贴板", "电话"]
PURPOSES = ["为您提供该项功能", "保障您的账户安全", "改进产品体验", "向您推送个性化内容",
            "完成实名认证", "排查故障", "防范欺诈风险", "履行法定义务", "统计分析服务使用情况"]
TEMPLATES = [
    "当您使用{feature}功能时，我们会收集您的{data}，用于{purpose}。如您拒绝提供，将无法使用{feature}功能，但不影响您使用{product}的其他功能。",
    "为实现{feature}功能，我们需要获取您设备的{perm}权限。您可以在设备的系统设置中随时关闭该权限，关闭后我们将不再收集相关信息。",
    "我们会将您的{data}保存{n}{unit}，超出保存期限后，我们将对其进行删除或匿名化处理。",
    "{product}接入的第三方SDK可能会收集您的{data}，用于{purpose}，我们会对合作方进行严格的安全评估。",
    "在您使用{feature}功能期间，{product}可能在后台读取您的{data}，用于{purpose}；您可以在“设置-隐私”中关闭此项。",
    "未经您的单独同意，我们不会将您的{data}提供给任何第三方，法律法规另有规定的除外。",
]
# Synonym groups: per policy about half are rewritten to one member (longest match first).
SYNONYMS = [
    ["个人信息", "个人数据", "个人资料"], ["收集", "获取", "采集"], ["存储", "保存", "储存"],
    ["删除", "清除"], ["帐号", "账户", "账号"], ["第三方", "合作方"], ["用户", "使用者"],
    ["手机号码", "手机号", "电话号码"], ["保护", "保障"], ["及时", "尽快"],
    ["例如", "比如"], ["包括", "包含"], ["位置信息", "地理位置信息", "定位信息"],
    ["通讯录", "联系人"], ["摄像头", "相机"], ["麦克风", "话筒"], ["服务器", "服务端"],
    ["匿名化", "去标识化"], ["征得", "取得"], ["泄露", "外泄"], ["注销", "删除账号"],
    ["未成年人", "未满十四周岁的儿童"], ["投诉", "举报"], ["修改", "更正"],
]
SDKS = [  # (name, provider, function, fields)
    ("微信开放平台SDK", "深圳市腾讯计算机系统有限公司", "微信登录、分享到微信好友和朋友圈", "设备标识符、网络状态"),
    ("微信支付SDK", "财付通支付科技有限公司", "微信支付", "订单信息、设备型号"),
    ("支付宝SDK", "支付宝（中国）网络技术有限公司", "支付宝支付", "设备标识符、IP地址、网络类型"),
    ("QQ互联SDK", "深圳市腾讯计算机系统有限公司", "QQ登录和分享", "设备标识符"),
    ("新浪微博SDK", "北京微梦创科网络技术有限公司", "分享到微博", "设备型号、网络状态"),
    ("友盟统计SDK", "北京友盟网络科技有限公司", "统计分析、崩溃收集", "设备标识符、MAC地址、IMEI、IMSI、位置信息"),
    ("极光推送SDK", "深圳市和讯华谷信息技术有限公司", "消息推送", "设备标识符、应用列表、网络信息"),
    ("个推SDK", "每日互动股份有限公司", "消息推送", "设备标识符、MAC地址、位置信息"),
    ("小米推送SDK", "小米科技有限责任公司", "在小米手机上推送消息", "设备标识符"),
    ("华为推送SDK", "华为软件技术有限公司", "在华为手机上推送消息", "设备标识符、应用信息"),
    ("OPPO推送SDK", "广东欢太科技有限公司", "在OPPO手机上推送消息", "设备标识符、网络信息"),
    ("vivo推送SDK", "维沃移动通信有限公司", "在vivo手机上推送消息", "设备标识符"),
    ("腾讯Bugly", "深圳市腾讯计算机系统有限公司", "崩溃分析", "设备型号、系统版本、wifi信息、MAC地址"),
    ("高德定位SDK", "高德软件有限公司", "定位和地图展示", "精确位置、WLAN信息、基站信息"),
    ("百度地图SDK", "北京百度网讯科技有限公司", "地图展示和定位", "位置信息、设备标识符"),
    ("阿里云号码认证SDK", "阿里云计算有限公司", "本机号码一键登录", "手机号码、运营商信息、网络类型"),
    ("中国移动认证SDK", "中移互联网有限公司", "本机号码一键登录", "手机号码、设备标识符"),
    ("腾讯云TRTC", "腾讯云计算（北京）有限责任公司", "实时音视频通话", "麦克风音频、摄像头视频、网络状态"),
    ("声网Agora SDK", "上海兆言网络科技有限公司", "实时音视频互动", "设备型号、网络信息、音视频数据"),
    ("科大讯飞语音SDK", "科大讯飞股份有限公司", "语音识别和语音输入", "麦克风音频、设备标识符"),
    ("穿山甲广告SDK", "北京巨量引擎网络技术有限公司", "广告投放与效果监测", "设备标识符、应用列表、位置信息"),
    ("腾讯广点通SDK", "深圳市腾讯计算机系统有限公司", "广告投放", "设备标识符、IP地址、应用列表"),
    ("快手广告SDK", "北京快手广告有限公司", "广告投放", "设备标识符、网络信息"),
    ("网易易盾SDK", "杭州网易智企科技有限公司", "安全风控、防止作弊", "设备标识符、设备型号、应用列表"),
    ("数美反欺诈SDK", "北京数美时代科技有限公司", "反欺诈、账号安全", "设备标识符、传感器信息"),
    ("神策数据SDK", "神策网络科技（北京）有限公司", "用户行为分析", "设备标识符、操作日志"),
    ("阿里云OSS SDK", "阿里云计算有限公司", "文件上传和存储", "存储的文件"),
    ("腾讯X5内核", "深圳市腾讯计算机系统有限公司", "网页浏览", "设备型号、网络状态"),
    ("移动安全联盟OAID SDK", "中国信息通信研究院", "获取匿名设备标识符", "设备厂商、设备型号"),
    ("Sentry", "Functional Software, Inc.", "错误监控", "设备型号、系统版本、崩溃日志"),
]
PERM_USES = [
    ("相机", "拍摄照片和视频、扫描二维码"), ("麦克风", "语音输入、音视频通话"),
    ("精确位置", "定位附近的服务、展示地理位置"), ("粗略位置", "推荐本地内容"),
    ("通讯录", "邀请好友、快速添加联系人"), ("读写存储", "保存和上传图片、缓存文件"),
    ("日历", "添加日程提醒"), ("蓝牙", "连接可穿戴设备"), ("通知", "推送消息提醒"),
    ("电话状态", "识别设备、保障账号安全"), ("剪贴板", "识别复制的口令或链接"),
    ("悬浮窗", "小窗播放、通话悬浮窗"), ("应用列表", "判断是否安装了分享目标应用"),
    ("传感器", "计步、屏幕方向识别"), ("短信", "读取验证码自动填写"),
]
_PERIOD = re.compile(r"(\d{1,3})(个工作日|个自然日|个月|小时|天|日内|年|周岁|岁)")
_DATE_TEXT = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_SENT = re.compile(r"(?<=[。；！？])")

OLD_NAMES = {  # longest first within each seed
    "mcmeet": [("上海盟视信息科技有限公司", "company"), ("盟畅云会议", "product"),
               ("盟畅云", "product"), ("盟畅", "product"), ("McMeet", "latin"), ("盟视", "brand")],
    "vymeet": [("北京易简视源科技有限公司", "company"), ("Vymeet云会议", "product"),
               ("vymeet云会议", "product"), ("易简视源", "brand"), ("On Zoom", "latin"),
               ("Vymeet", "latin"), ("vymeet", "latin"), ("易简", "brand"), ("Zoom", "latin")],
}


def _seed_texts() -> dict[str, dict]:
    """Both seeds: front matter stripped, Markdown sections, raw text, sentence pool."""
    out = {}
    for path in SEED_MD:
        text = path.read_text(encoding="utf-8")
        body = re.sub(r"^---\n.*?\n---\n", "", text, count=1, flags=re.S)
        sections = re.split(r"(?m)^(?=## )", body)
        sections = [s for s in sections if s.strip()]
        raw_path = SEED_RAW_DIR / f"{path.stem}-privacy-policy.txt"
        raw = raw_path.read_text(encoding="utf-8") if raw_path.exists() else None
        out[path.stem] = {"md": text, "sections": sections, "raw": raw}
    return out


def _sentences(text: str) -> list[str]:
    sents = []
    for line in text.splitlines():
        line = line.strip()
        if len(line) < 20 or line.startswith("#"):
            continue
        sents.extend(s for s in _SENT.split(line) if 12 <= len(s) <= 200)
    return sents


def _products(n: int, rng: random.Random) -> list[tuple[str, str, list[str]]]:
    """n distinct (product, latin alias, features); beyond 1,040 a number tells them apart."""
    combos = [(p, c) for p in PREFIXES for c in CATEGORIES]
    rng.shuffle(combos)
    out = []
    for i in range(n):
        (pre, pre_py), (cat, cat_en, feats) = combos[i % len(combos)]
        round_ = i // len(combos)
        if round_:
            suffix = str(round_ + 1)
        else:  # a few names carry a number, as real ones do
            suffix = rng.choice(["365", "88", "100"]) if rng.random() < 0.15 else ""
        out.append((f"{pre}{cat}{suffix}", f"{pre_py.capitalize()}{cat_en.capitalize()}{suffix}",
                    feats))
    return out


class Variant:
    """One generated policy."""

    def __init__(self, i: int, product: tuple[str, str, list[str]], seeds: dict, pool: list[str],
                 rng: random.Random):
        self.rng = rng
        self.product, self.latin, self.features = product
        self.pid = f"app{i:04d}"
        city, district = rng.choice(CITIES)
        self.company = f"{city}{self.product[:2]}{rng.choice(COMPANY_KINDS)}有限公司"
        self.address = f"{district}{rng.choice(ROADS)}{rng.randint(1, 3000)}号{rng.randint(1, 30)}幢{rng.randint(101, 2099)}室"
        self.domain = f"{self.latin.lower()}.com"
        self.phone = f"400-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        d0 = dt.date(2018, 1, 1)
        self.updated = d0 + dt.timedelta(days=rng.randint(0, 6 * 365))
        self.base = rng.choice(sorted(seeds))
        self.other = next(k for k in sorted(seeds) if k != self.base)
        self.seeds = seeds
        self.pool = pool
        chosen = [g for g in SYNONYMS if rng.random() < 0.5]
        self.synonyms = {w: rng.choice(g) for g in chosen for w in g}
        words = sorted(self.synonyms, key=len, reverse=True)
        self._syn_re = re.compile("|".join(map(re.escape, words))) if words else None

    # -- text edits ------------------------------------------------------------------------
    def rename(self, text: str, seed: str) -> str:
        """The seed's names, company, domain, phone and address → this policy's."""
        brand = self.product[:2]
        new = {"company": self.company, "product": self.product, "brand": brand,
               "latin": self.latin}
        for old, kind in OLD_NAMES[seed]:
            text = text.replace(old, new[kind])
        text = re.sub(r"(?i)mcmeet\.com|vymeet\.com", self.domain, text)
        text = re.sub(r"(?i)mcmeet|vymeet", self.latin, text)
        text = text.replace("400-021-3636", self.phone)
        text = text.replace("上海市闵行区莲花南路2588号12幢A119室", self.address)
        return text

    def edit_line(self, line: str) -> str:
        """Sentence-level edits of one paragraph line (headings and markers stay)."""
        s = line.strip()
        if len(s) < 20 or s.startswith("#"):
            return line
        rng = self.rng
        sents = [x for x in _SENT.split(line) if x]
        out = []
        for sent in sents:
            r = rng.random()
            if r < 0.06 and len(sents) > 1:
                continue  # dropped
            if r < 0.16:
                sent = self.rename(rng.choice(self.pool[self.other]), self.other)  # swapped in
            out.append(sent)
            if rng.random() < 0.1:
                out.append(self.feature_sentence())
        line = "".join(out) or line
        if self._syn_re:
            line = self._syn_re.sub(lambda m: self.synonyms[m.group(0)], line)
        line = _PERIOD.sub(self._period, line)
        return line

    def _period(self, m: re.Match) -> str:
        n, unit = int(m.group(1)), m.group(2)
        if unit in ("岁", "周岁"):
            return f"{self.rng.choice([14, 14, 16, 18])}{unit}"
        if n == 0:
            return m.group(0)
        return f"{max(1, round(n * self.rng.uniform(0.5, 2.0)))}{unit}"

    def feature_sentence(self) -> str:
        rng = self.rng
        return rng.choice(TEMPLATES).format(
            feature=rng.choice(self.features), data=rng.choice(DATA), purpose=rng.choice(PURPOSES),
            perm=rng.choice(PERMS), product=self.product, n=rng.randint(1, 36),
            unit=rng.choice(["个月", "天", "年"]))

    def feature_section(self, k: int) -> str:
        feats = self.rng.sample(self.features, k=min(len(self.features), self.rng.randint(2, 4)))
        lines = [f"## {self.product}的特色功能"]
        for j, feat in enumerate(feats, 1):
            lines.append(f"{k}.{j}")
            lines.append(f"{feat}：" + "".join(self.feature_sentence()
                                              for _ in range(self.rng.randint(2, 4))))
        return "\n".join(lines) + "\n"

    def sdk_section(self) -> list[str]:
        rng = self.rng
        lines = [f"为保障{self.product}相关功能的实现和应用的安全稳定运行，我们会接入由第三方提供的"
                 f"软件开发包（SDK）实现该目的。我们会对第三方SDK进行严格的安全检测，并要求合作伙伴"
                 f"采取严格的措施来保护您的个人信息。"]
        for name, org, func, fields in rng.sample(SDKS, k=rng.randint(8, len(SDKS))):
            lines += [name, f"功能：{func}", f"收集个人信息字段：{fields}", f"所属机构：{org}"]
            if rng.random() < 0.5:
                lines.append(f"使用场景：在您使用{rng.choice(self.features)}时")
        return lines

    def permission_section(self) -> list[str]:
        rng = self.rng
        return [f"{perm}权限：{use}" for perm, use in
                rng.sample(PERM_USES, k=rng.randint(4, len(PERM_USES)))]

    # -- whole document --------------------------------------------------------------------
    def body(self) -> str:
        rng = self.rng
        seed = self.seeds[self.base]
        if seed["raw"] and rng.random() < RAW_SHARE:
            lines = self.rename(seed["raw"], self.base).splitlines()
            other = self.rename(self.seeds[self.other]["raw"] or "", self.other).splitlines()
            start = rng.randrange(max(1, len(other) // 2))
            lines += other[start:start + rng.randint(len(other) // 3, len(other))]
            lines = [self.edit_line(l) for l in lines]
            lines += ["", "", f"{self.product}接入的第三方SDK目录", ""] + self.sdk_section()
            lines += ["", "", "应用权限申请说明", ""] + self.permission_section()
            return "\n".join(lines) + "\n"
        first, *rest = seed["sections"]
        rest = [s for s in rest if rng.random() > 0.12]  # omit a few sections
        n_other = len(self.seeds[self.other]["sections"]) - 1
        n_borrow = rng.randint(n_other // 2, n_other)
        other = self.seeds[self.other]["sections"][1:]
        borrowed = [self.rename(s, self.other) for s in rng.sample(other, k=min(n_borrow, len(other)))]
        rest = [self.rename(s, self.base) for s in rest] + borrowed
        # shuffle, but mostly keep the seed's order (swap a few neighbours)
        for _ in range(rng.randint(0, 4)):
            j = rng.randrange(max(1, len(rest) - 1))
            if j + 1 < len(rest):
                rest[j], rest[j + 1] = rest[j + 1], rest[j]
        if rng.random() < 0.9:
            rest.insert(rng.randrange(len(rest) + 1), self.feature_section(len(rest) + 2))
        rest.insert(rng.randrange(len(rest) + 1), "\n".join(
            [f"## {self.product}权限调用说明", *self.permission_section()]))
        rest.append("\n".join([f"## {self.product}接入的第三方SDK列表", *self.sdk_section()]))
        sections = [self.rename(first, self.base)] + rest
        text = "".join(s if s.endswith("\n") else s + "\n" for s in sections)
        text = _DATE_TEXT.sub(f"{self.updated.year}年{self.updated.month}月{self.updated.day}日",
                              text, count=1)
        return "\n".join(self.edit_line(l) for l in text.splitlines()) + "\n"

    def document(self) -> str:
        meta = {"id": self.pid, "title": f"{self.product}隐私政策", "product": self.product,
                "aliases": [self.latin], "company": self.company,
                "updated": self.updated.isoformat(), "language": "zh"}
        front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
        return f"---\n{front}\n---\n{self.body()}"


def _fingerprint(n: int, seed: int) -> dict:
    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())
    for p in SEED_MD + sorted(SEED_RAW_DIR.glob("*.txt")):
        h.update(p.read_bytes())
    return {"n": n, "seed": seed, "version": GENERATOR_VERSION, "sources": h.hexdigest()[:16]}


def generate(n: int, out: Path | None = None, seed: int = 42, force: bool = False) -> Path:
    """Write n policies into `out` (default bench/corpora/<n>/) unless already there."""
    out = Path(out or CORPORA / str(n))
    manifest = out / ".manifest.json"
    want = _fingerprint(n, seed)
    if not force and manifest.exists():
        try:
            have = json.loads(manifest.read_text())
        except ValueError:
            have = None
        if have and {k: have.get(k) for k in want} == want:
            return out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.md"):
        old.unlink()
    seeds = _seed_texts()
    pool = {k: _sentences(v["md"]) for k, v in seeds.items()}
    rng = random.Random(seed)
    real = [p for p in SEED_MD][:min(n, 2)]
    for p in real:
        (out / p.name).write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    products = _products(max(0, n - len(real)), rng)
    chars = 0
    for i, product in enumerate(products, 1):
        v = Variant(i, product, seeds, pool, random.Random(f"{seed}:{i}"))
        doc = v.document()
        chars += len(doc)
        (out / f"{v.pid}.md").write_text(doc, encoding="utf-8")
    chars += sum(len(p.read_text(encoding="utf-8")) for p in real)
    manifest.write_text(json.dumps({**want, "characters": chars}, indent=1))
    return out


def stats(folder: Path) -> dict:
    files = sorted(folder.glob("*.md"))
    sizes = [len(p.read_text(encoding="utf-8")) for p in files]
    return {"policies": len(files), "characters": sum(sizes),
            "min_chars": min(sizes), "max_chars": max(sizes),
            "mean_chars": round(sum(sizes) / len(sizes))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of policies (the two real ones included)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", type=Path, help="folder (default bench/corpora/<n>/)")
    ap.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = ap.parse_args(argv)
    folder = generate(args.n, args.out, args.seed, args.force)
    print(folder, json.dumps(stats(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
