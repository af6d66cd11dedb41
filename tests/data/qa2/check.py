#!/usr/bin/env python3
"""Check tests/data/qa2/questions.jsonl against its 11 policy files (standard library only).

The rules are those of tests/data/qa/check.py (read its docstring), which this runs on qa2's
policies: the Chinese ones are tests/data/capp130/<policy>.txt, the English ones
tests/data/qa2/english/<policy>.<ext>; the file stem is the policy id.

    python3 tests/data/qa2/check.py [--questions FILE] [--also DIR ...]
"""
import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
CHINESE_IDS = ["qq音乐", "KFC", "咸鱼", "UC浏览器", "扫描全能王", "菜鸟", "boss直聘"]


def qa_check():
    spec = importlib.util.spec_from_file_location("qa_check", HERE.parent / "qa" / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    sys.exit(qa_check().main(HERE, CHINESE_IDS, __doc__.splitlines()[0]))
