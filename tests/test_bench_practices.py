"""bench/practices.py: template questions per data practice, judged by expert sentence labels."""
import json

from bench import practices

POLICY = """云笔记隐私政策

一、我们收集的信息
注册时我们收集您的手机号码，您使用同步功能时我们收集您的笔记内容。

二、未成年人保护
若您是未满14周岁的儿童，请在监护人同意后使用云笔记。

三、联系我们
如对本政策有任何疑问，请发送邮件至 privacy@note.example 与我们联系。
"""
LABELS = [
    {"text": "注册时我们收集您的手机号码，您使用同步功能时我们收集您的笔记内容。", "labels": ["数据收集"]},
    {"text": "若您是未满14周岁的儿童，请在监护人同意后使用云笔记。", "labels": ["特殊人群"]},
    {"text": "如对本政策有任何疑问，请发送邮件至 privacy@note.example 与我们联系。", "labels": ["联系方式"]},
]


def test_practices_judges_answers_by_the_labels_and_leaves_out_excluded_policies(tmp_path):
    corpus, labels, unseen = (tmp_path / d for d in ("corpus", "labels", "unseen"))
    for d in (corpus, labels, unseen):
        d.mkdir()
    for name in ("云笔记", "云笔记副本"):
        (corpus / f"{name}.txt").write_text(POLICY.replace("云笔记隐私政策", f"{name}隐私政策"),
                                            encoding="utf-8")
        (labels / f"{name}.jsonl").write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in LABELS), encoding="utf-8")
    summary = practices.run(corpus, labels)
    assert summary["policies"] == 2
    # only the practices the policy has labels for are asked: minors (3 + 2), contact (2 + 2)
    assert summary["en_questions"] == 2 * 5 and summary["zh_questions"] == 2 * 4
    hits, asked = map(int, summary["zh_by_practice"]["特殊人群"].split("/"))
    assert asked == 4 and hits >= 2  # 未成年人可以使用吗 quotes the labelled minors sentence
    # a policy identical to a file of --exclude is left out
    (unseen / "x.txt").write_bytes((corpus / "云笔记副本.txt").read_bytes())
    assert practices.run(corpus, labels, unseen)["policies"] == 1
