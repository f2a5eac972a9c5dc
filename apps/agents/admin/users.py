"""Django admin for people, keys and credentials. Secrets are shown masked and never pre-filled."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from polymorphic.admin import (
    PolymorphicChildModelAdmin,
    PolymorphicChildModelFilter,
    PolymorphicParentModelAdmin,
)

from pipelit import crypto

from .. import errors, selectors, services
from ..models import (
    ApiKey,
    Credential,
    GatewayCredential,
    GitCredential,
    LLMCredential,
    Role,
    TelegramCredential,
    ToolCredential,
    User,
)

KEY_FIELDS = ("name", "prefix", "is_active", "created_at", "expires_at", "last_used_at")


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = KEY_FIELDS
    readonly_fields = KEY_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class PipelitUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean()
        user = self.instance
        demoting = cleaned.get("role") != Role.ADMIN or cleaned.get("is_active") is False
        if user.pk and user.is_admin and user.is_active and demoting and selectors.admin_count() <= 1:
            raise forms.ValidationError("Cannot demote or deactivate the last admin.")
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = PipelitUserChangeForm
    list_display = ("username", "role", "is_active", "mfa_enabled", "purpose", "created_by", "date_joined")
    list_filter = ("role", "is_active", "mfa_enabled")
    search_fields = ("username", "email", "purpose")
    readonly_fields = ("mfa_enabled", "mfa_failed_attempts", "mfa_locked_until", "last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Pipelit", {"fields": ("role", "purpose", "created_by", "is_active")}),
        (
            "Multi-factor authentication",
            {"fields": ("mfa_enabled", "mfa_failed_attempts", "mfa_locked_until")},
        ),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
    inlines = [ApiKeyInline]
    raw_id_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        # Staff/superuser follow the role, so the role is the one switch for admin rights.
        obj.is_staff = obj.is_superuser = obj.role == Role.ADMIN
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        try:
            services.user_delete(user=obj)
        except errors.LastAdmin as exc:
            self.message_user(request, exc.detail, messages.ERROR)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self.delete_model(request, user)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "is_active", "created_at", "expires_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix", "user__username")
    fields = ("user", "name", "prefix", "is_active", "expires_at", "created_at", "last_used_at")
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # a raw key is shown once, at creation: create keys through the API

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)


class SecretFieldsForm(forms.ModelForm):
    """Secret columns as password inputs that are never pre-filled; left blank, the secret is kept."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self._meta.model.secret_fields:
            current = getattr(self.instance, name, "") if self.instance.pk else ""
            self.fields[name] = forms.CharField(
                required=False,
                strip=False,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                help_text=f"Current: {crypto.mask(current)}. Leave blank to keep it."
                if current
                else "Not set.",
            )

    def clean(self):
        cleaned = super().clean()
        for name in self._meta.model.secret_fields:
            if not cleaned.get(name) and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class CredentialChildAdmin(PolymorphicChildModelAdmin):
    base_model = Credential
    base_form = SecretFieldsForm
    show_in_index = False
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


CHILD_MODELS = (LLMCredential, GatewayCredential, GitCredential, ToolCredential, TelegramCredential)
for _model in CHILD_MODELS:
    admin.site.register(
        _model, type(f"{_model.__name__}Admin", (CredentialChildAdmin,), {"base_model": Credential})
    )


@admin.register(Credential)
class CredentialAdmin(PolymorphicParentModelAdmin):
    base_model = Credential
    child_models = CHILD_MODELS
    list_display = ("name", "credential_type", "masked_secrets", "created_by", "created_at")
    list_filter = (PolymorphicChildModelFilter,)
    search_fields = ("name",)

    @admin.display(description="Secrets")
    def masked_secrets(self, obj) -> str:
        obj = obj.get_real_instance()
        return ", ".join(
            f"{name}: {crypto.mask(getattr(obj, name))}" for name in obj.secret_fields if getattr(obj, name)
        )
