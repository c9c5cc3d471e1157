"""The project's URLs and three views that fail: the database gone, Redis gone, a bug."""

from django import db
from django.urls import path
from redis.exceptions import ConnectionError as RedisConnectionError

from reviewportal.urls import handler500
from reviewportal.urls import urlpatterns as project_urls


def database_gone(request):
    raise db.OperationalError("server closed the connection unexpectedly")


def redis_gone(request):
    raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def bug(request):
    raise ValueError("a bug")


urlpatterns = [
    path("test/database-gone/", database_gone),
    path("test/redis-gone/", redis_gone),
    path("test/bug/", bug),
    # The same under the API's prefix: answered as problem details.
    path("api/test/database-gone/", database_gone),
    path("api/test/bug/", bug),
    *project_urls,
]

__all__ = ["handler500", "urlpatterns"]
