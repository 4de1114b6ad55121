"""The settings form of each channel kind, built from the fields its module asks for.

Secrets never come back to the page: a secret field is blank on edit and blank means "keep";
a webhook (whose query string holds the robot's token) likewise, with its masked form shown
beside it so the office can tell which robot it is."""

from django import forms

from tracker import channels
from tracker.messaging.models import ALL_KINDS, Channel
from tracker.models import OutboxMessage


class ChannelForm(forms.Form):
    kind: str = ""
    instance: Channel | None = None

    def clean(self):
        data = super().clean()
        module = channels.get(self.kind)
        previous = dict(self.instance.config) if self.instance else {}
        config = {}
        for spec in module.FIELDS:
            value = data.get(spec.name, "")
            keeps = spec.secret or spec.kind == "url"
            if keeps and self.instance and not str(value or "").strip():
                value = previous.get(spec.name, "")
            config[spec.name] = value
        try:
            self.config = module.clean(config)
        except channels.ConfigError as exc:
            raise forms.ValidationError(str(exc)) from None
        return data


def _display(spec, value) -> str:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else str(value)


def shown(spec, config: dict) -> str:
    """A setting as the page may show it."""
    value = config.get(spec.name, "")
    if spec.secret:
        return channels.mask(value)
    if spec.kind == "url":
        return channels.mask_url(value)
    if isinstance(value, list):
        return "、".join(value)
    return str(value)


def channel_form(kind: str, *, instance: Channel | None = None, data=None) -> ChannelForm:
    module = channels.get(kind)
    config = instance.config if instance else {}
    fields = {
        "name": forms.CharField(
            label="名称",
            max_length=60,
            help_text="如“城关镇安全生产工作群”，在发送记录中显示",
            initial=instance.name if instance else "",
        )
    }
    for spec in module.FIELDS:
        keeps = spec.secret or spec.kind == "url"
        help_text = spec.help
        if keeps and instance and config.get(spec.name):
            help_text = f"当前：{shown(spec, config)}。留空则不修改。{spec.help}"
        if spec.kind in ("textarea",):
            widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false"})
        elif spec.kind in ("phones", "emails"):
            widget = forms.Textarea(attrs={"rows": 3})
        elif spec.secret:
            widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
        else:
            widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        initial = "" if keeps else _display(spec, config.get(spec.name, spec.default))
        if keeps and not instance:
            initial = "" if spec.secret else spec.default
        fields[spec.name] = forms.CharField(
            label=spec.label,
            required=spec.required and not (keeps and instance),
            help_text=help_text,
            widget=widget,
            initial=initial,
            strip=True,
        )
    fields["kinds"] = forms.MultipleChoiceField(
        label="接收的消息",
        choices=OutboxMessage.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=instance.kinds if instance else ALL_KINDS,
        error_messages={"required": "请至少选择一类要接收的消息。"},
    )
    fields["active"] = forms.BooleanField(
        label="启用", required=False, initial=instance.active if instance else True
    )
    form_class = type(ChannelForm)(f"{kind.title()}ChannelForm", (ChannelForm,), fields)
    form = form_class(data=data)
    form.kind, form.instance = kind, instance
    return form
