"""Forms of the sign-in pages: the TOTP step and first-run setup."""

from django import forms
from django.contrib.auth.password_validation import validate_password


class MfaCodeForm(forms.Form):
    code = forms.CharField(
        label="Authentication code",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )


class SetupForm(forms.Form):
    username = forms.CharField(
        label="Admin username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_confirm = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password and password != cleaned.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords differ.")
        elif password:
            try:
                validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return cleaned


# --- Credentials page: one form per credential type; secrets are write-only (never rendered back) ---


def _secret(label: str, *, required: bool = False, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )


class CredentialForm(forms.Form):
    credential_type = ""
    name = forms.CharField(
        label="Name", max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def detail(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if key != "name"}


class LLMCredentialForm(CredentialForm):
    credential_type = "llm"
    provider_type = forms.ChoiceField(
        label="Provider",
        choices=[
            ("openai", "OpenAI"),
            ("anthropic", "Anthropic"),
            ("openai_compatible", "OpenAI-compatible"),
        ],
        initial="openai_compatible",
    )
    api_key = _secret("API key")
    base_url = forms.CharField(
        label="Base URL",
        required=False,
        max_length=500,
        help_text="Leave empty for the provider's default endpoint.",
    )
    organization_id = forms.CharField(label="Organization ID", required=False, max_length=200)

    def clean_base_url(self) -> str:
        # Not URLField: self-hosted servers often have single-label hosts (http://ollama:11434/v1).
        url = self.cleaned_data["base_url"].strip()
        if url and not url.startswith(("http://", "https://")):
            raise forms.ValidationError("Must start with http:// or https://.")
        return url

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("provider_type") == "openai_compatible" and not cleaned.get("base_url"):
            self.add_error("base_url", "An OpenAI-compatible provider needs its base URL.")
        return cleaned


class TelegramCredentialForm(CredentialForm):
    credential_type = "telegram"
    bot_token = _secret("Bot token", required=True, help_text="From @BotFather, e.g. 123456:ABC-DEF…")
    allowed_user_ids = forms.CharField(
        label="Allowed user IDs",
        required=False,
        max_length=1000,
        help_text="Comma-separated; empty allows everyone.",
    )


class GatewayCredentialForm(CredentialForm):
    credential_type = "gateway"
    api_key = _secret("Token", required=True)
    allowed_user_ids = forms.CharField(label="Allowed user IDs", required=False, max_length=1000)


class GitCredentialForm(CredentialForm):
    credential_type = "git"
    provider = forms.ChoiceField(
        label="Provider",
        choices=[("github", "GitHub"), ("gitlab", "GitLab"), ("bitbucket", "Bitbucket"), ("other", "Other")],
    )
    auth_method = forms.ChoiceField(
        label="Authentication", choices=[("token", "Access token"), ("ssh", "SSH key")]
    )
    username = forms.CharField(label="Username", required=False, max_length=200)
    access_token = _secret("Access token")
    ssh_private_key = forms.CharField(
        label="SSH private key",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    webhook_secret = _secret("Webhook secret")

    def clean(self):
        cleaned = super().clean()
        method = cleaned.get("auth_method")
        if method == "token" and not cleaned.get("access_token"):
            self.add_error("access_token", "Token authentication needs an access token.")
        if method == "ssh" and not cleaned.get("ssh_private_key"):
            self.add_error("ssh_private_key", "SSH authentication needs a private key.")
        return cleaned


class ToolCredentialForm(CredentialForm):
    credential_type = "tool"
    tool_type = forms.CharField(label="Tool type", max_length=64, initial="api")
    secret = _secret("Secret", required=True)
    config = forms.JSONField(
        label="Configuration (JSON object)",
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_config(self):
        value = self.cleaned_data.get("config")
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Must be a JSON object.")
        return value


CREDENTIAL_FORMS: dict[str, type[CredentialForm]] = {
    form.credential_type: form
    for form in (
        LLMCredentialForm,
        TelegramCredentialForm,
        GatewayCredentialForm,
        GitCredentialForm,
        ToolCredentialForm,
    )
}
