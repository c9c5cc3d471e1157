"""Start the stub carrier HTTP server (loopback only) for the HTTP gateway adapter."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from carriers.stub_server import StubCarrierServer


class Command(BaseCommand):
    help = "Serve the stub carriers (cmcc, cucc, ctcc) over HTTP on a loopback address."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument(
            "--fault-rate",
            type=float,
            default=None,
            help="share of requests that hang, drop the connection or answer 503",
        )
        parser.add_argument("--hang-seconds", type=float, default=None)

    def handle(self, *args, **options):
        policy = settings.CARRIER_POLICY
        rate = options["fault_rate"]
        rate = policy["STUB"]["FAULT_RATE"] if rate is None else rate
        hang = options["hang_seconds"] or policy["HTTP_TIMEOUT_SECONDS"] + 1
        try:
            server = StubCarrierServer(
                (options["host"], options["port"]), fault_rate=rate, hang_seconds=hang
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        host, port = server.server_address[:2]
        self.stdout.write(f"stub carriers on http://{host}:{port}/ (fault rate {rate:.0%})")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
