"""Static files, private uploads (local folder or S3-compatible bucket) and upload limits."""

from __future__ import annotations

from pathlib import Path

from reviewportal.settings.environment import BASE_DIR, PRODUCTION, VAR_DIR, env, required

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded materials are private: there is no MEDIA_URL route, and files are only ever streamed
# by a view that checks the viewer's right and writes an access-log row.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private-media")))
S3_BUCKET = env.str("S3_BUCKET_NAME", default="")
# No web node keeps files of its own: production stores uploads in an S3-compatible bucket.
required(
    "S3_BUCKET_NAME",
    S3_BUCKET,
    None if S3_BUCKET else "is not set: uploads go to a private S3-compatible bucket",
)
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("S3_REGION", default="") or None,
            "access_key": env.str("S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("S3_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env.str("S3_LOCATION", default="materials"),
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": "/no-public-url/"},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        # Production runs collectstatic and gets compressed, hashed files; the demo and the
        # tests serve the apps' folders as they are (no collectstatic step).
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

UPLOAD_POLICY = {
    "MAX_BYTES": env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024),
    # Enough for a 48-megapixel phone photo of a licence, far below a decompression bomb.
    "MAX_PIXELS": env.int("UPLOAD_MAX_PIXELS", default=50_000_000),
    # Memory one decoded image may take (16 megapixels of RGB): a bigger JPEG is decoded at a
    # half, quarter or eighth of its size, a bigger PNG is refused.
    "MAX_DECODED_BYTES": env.int("UPLOAD_MAX_DECODED_BYTES", default=48 * 1024 * 1024),
    # A whole request: the longest form (a qualification) has eight file inputs.
    "MAX_REQUEST_BYTES": env.int("UPLOAD_MAX_REQUEST_BYTES", default=100 * 1024 * 1024),
    # A valid file of a refused form stays chosen ("staged") this long; unused after it, it may
    # be deleted by a clean-up.
    "STAGED_HOURS": env.int("UPLOAD_STAGED_HOURS", default=24),
}
# Each file is received by a handler that keeps no more of it than MAX_BYTES (in memory up to
# FILE_UPLOAD_MAX_MEMORY_SIZE, in a temporary file above it); the form then refuses it by name.
FILE_UPLOAD_HANDLERS = ["signatures.upload_handlers.BoundedUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The rest of a request (form fields, JSON) is small: a template is at most 500 characters.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
