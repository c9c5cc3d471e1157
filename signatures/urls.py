from django.urls import path

from signatures import views

app_name = "signatures"

urlpatterns = [
    path("qualifications/", views.qualification_list, name="qualification_list"),
    path("qualifications/new/", views.qualification_create, name="qualification_create"),
    path("qualifications/check-number/", views.check_number, name="check_number"),
    path(
        "qualifications/<str:public_id>/",
        views.qualification_detail,
        name="qualification_detail",
    ),
    path(
        "qualifications/<str:public_id>/edit/", views.qualification_edit, name="qualification_edit"
    ),
    path(
        "qualifications/<str:public_id>/change/",
        views.qualification_change,
        name="qualification_change",
    ),
    path(
        "qualifications/<str:public_id>/submit/",
        views.qualification_submit,
        name="qualification_submit",
    ),
    path(
        "qualifications/<str:public_id>/withdraw/",
        views.qualification_withdraw,
        name="qualification_withdraw",
    ),
    path(
        "qualifications/<str:public_id>/trademarks/new/",
        views.trademark_create_view,
        name="trademark_create",
    ),
    path(
        "qualifications/<str:public_id>/authorizations/new/",
        views.authorization_create_view,
        name="authorization_create",
    ),
    path("signatures/", views.signature_list, name="signature_list"),
    path("signatures/new/", views.signature_create, name="signature_create"),
    path("signatures/precheck/", views.signature_precheck, name="signature_precheck"),
    path("signatures/<str:public_id>/", views.signature_detail, name="signature_detail"),
    path("signatures/<str:public_id>/edit/", views.signature_edit, name="signature_edit"),
    path(
        "signatures/<str:public_id>/withdraw/", views.signature_withdraw, name="signature_withdraw"
    ),
    path("signatures/<str:public_id>/urgent/", views.signature_urgent, name="signature_urgent"),
]
