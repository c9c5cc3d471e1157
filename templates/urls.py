from django.urls import path

from templates import views

app_name = "templates"

urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("new/", views.template_create, name="template_create"),
    path("precheck/", views.template_precheck, name="template_precheck"),
    path("<str:public_id>/", views.template_detail, name="template_detail"),
    path("<str:public_id>/edit/", views.template_edit, name="template_edit"),
    path("<str:public_id>/withdraw/", views.template_withdraw, name="template_withdraw"),
    path("<str:public_id>/urgent/", views.template_urgent, name="template_urgent"),
]
