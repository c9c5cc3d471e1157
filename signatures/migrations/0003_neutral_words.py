from django.db import migrations, models


# The list as it stood when this migration was written (signatures.rules.DEFAULT_NEUTRAL_WORDS);
# staff extend it in the admin.
DEFAULT_NEUTRAL_WORDS = (
    "测试", "客服通知", "客户您好", "验证码", "系统通知", "短信通知", "温馨提示", "通知", "提醒",
    "会员服务", "客服", "服务通知", "消息通知", "系统消息", "安全提醒", "账户通知", "订单通知",
    "物流通知", "活动通知", "平台通知", "校验码", "动态码", "尊敬的用户", "亲爱的用户", "官方",
    "公告", "测试签名",
)


def seed_words(apps, schema_editor):
    NeutralWord = apps.get_model("signatures", "NeutralWord")
    existing = set(NeutralWord.objects.values_list("word", flat=True))
    NeutralWord.objects.bulk_create(
        [NeutralWord(word=w) for w in dict.fromkeys(DEFAULT_NEUTRAL_WORDS) if w not in existing]
    )


class Migration(migrations.Migration):
    dependencies = [("signatures", "0002_sla_fields")]

    operations = [
        migrations.CreateModel(
            name="NeutralWord",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("word", models.CharField(max_length=40, unique=True, verbose_name="word")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="note")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
            ],
            options={"verbose_name": "neutral word", "verbose_name_plural": "neutral words", "ordering": ["word"]},
        ),
        migrations.RunPython(seed_words, migrations.RunPython.noop),
    ]
