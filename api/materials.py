"""Uploads through the API (``/api/v1/materials``): the portal's upload service and its content
checks and limits."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.base import ApiViewSet
from api.serializers import (
    MaterialSerializer,
    MaterialUploadSerializer,
)
from signatures.models import (
    Material,
)
from signatures.services import (
    material_create,
)


class MaterialViewSet(ApiViewSet):
    """Uploads (business licenses, ID cards, letters…), checked by content with the portal's
    limits. An upload no application uses is deleted after a while."""

    serializer_class = MaterialSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return self.account_queryset(Material.objects.all()).order_by("-created_at", "-pk")

    def retrieve(self, request, id=None):
        return Response(MaterialSerializer(self.get_object()).data)

    @extend_schema(
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: MaterialSerializer},
    )
    def create(self, request):
        """Upload one file (multipart: ``kind`` and ``file``)."""
        body = MaterialUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            material = material_create(
                account=request.auth.account,
                user=request.user,
                kind=body.validated_data["kind"],
                data=upload.read(),
                original_name=upload.name,
            )
        except ValidationError as exc:
            # The upload checks judge the file's content: point at the file.
            if hasattr(exc, "error_dict"):
                raise
            raise ValidationError({"file": exc.error_list}) from None
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)
