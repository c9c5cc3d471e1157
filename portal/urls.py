from django.urls import path

from portal import filings, views, webhooks

app_name = "portal"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.account, name="account"),
    path("account/members/<int:pk>/", views.account_member, name="account_member"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke_view, name="api_key_revoke"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path("webhooks/<str:public_id>/", webhooks.webhook_endpoint, name="webhook_endpoint"),
    path("webhooks/<str:public_id>/edit/", webhooks.webhook_edit, name="webhook_edit"),
    path("webhooks/<str:public_id>/enable/", webhooks.webhook_enable, name="webhook_enable"),
    path("webhooks/<str:public_id>/disable/", webhooks.webhook_disable, name="webhook_disable"),
    path("webhooks/<str:public_id>/ping/", webhooks.webhook_ping, name="webhook_ping"),
    path("webhooks/<str:public_id>/rotate/", webhooks.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<str:public_id>/delete/", webhooks.webhook_delete, name="webhook_delete"),
    path(
        "webhook-deliveries/<str:public_id>/",
        webhooks.webhook_delivery,
        name="webhook_delivery",
    ),
    path(
        "webhook-deliveries/<str:public_id>/resend/",
        webhooks.webhook_resend,
        name="webhook_resend",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("materials/<int:pk>/", views.material, name="material"),
    path("filings/<str:filing_id>/refile/", filings.filing_refile, name="filing_refile"),
]
