from django.urls import path

from carriers import views

app_name = "carriers"

urlpatterns = [
    path("callback/<slug:carrier>/", views.carrier_callback, name="callback"),
    path("usage/", views.signature_usage, name="usage"),
]
