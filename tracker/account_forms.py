"""Forms of 账号管理 and 修改密码. The rules live in tracker.accounts; these only read input."""

from django import forms
from django.contrib.auth import password_validation

from tracker.models import Unit, User


def unit_choices():
    return Unit.objects.filter(active=True).order_by("kind", "sort_order", "name")


class AccountCreateForm(forms.Form):
    username = forms.CharField(
        label="用户名",
        max_length=150,
        help_text="登录用，如 hexi_wang；字母、数字和 @ . + - _",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    display_name = forms.CharField(label="姓名", max_length=40)
    unit = forms.ModelChoiceField(label="所属单位", queryset=Unit.objects.none())
    role = forms.ChoiceField(
        label="角色",
        choices=[(User.Role.STAFF, "单位联络员"), (User.Role.GRID, "网格员（仅乡镇街道）")],
        initial=User.Role.STAFF,
    )
    email = forms.EmailField(
        label="邮箱",
        required=False,
        help_text="可选：每日任务提醒也发到这个邮箱",
        widget=forms.TextInput(attrs={"inputmode": "email"}),
        error_messages={"invalid": "邮箱地址格式不对。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices()


class AccountMoveForm(forms.Form):
    unit = forms.ModelChoiceField(label="调到", queryset=Unit.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = unit_choices()


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码（或安委办给的一次性密码）",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 10 个字符，不能是常见密码，不能与用户名、姓名相近，不能全是数字。",
    )
    new_password2 = forms.CharField(
        label="再输一次新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self):
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError("两次输入的新密码不一致。")
        if second:
            password_validation.validate_password(second, self.user)
        return second
