"""Shows the portal's seal certificate, creating it first if there is none.

Run it once when setting up a server, so that the certificate exists before the first agreement
is sealed, and whenever someone asks how to check a sealed document: the fingerprint lets them
confirm they have the right certificate, and --pem prints the certificate itself. A portal on
more than one server needs the same certificate on each: --env prints the two variables that
give it to every server.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.management.base import BaseCommand

from alliance_portal.seal import (
    certificate_fingerprint,
    ensure_seal_certificate,
    seal_certificate,
    seal_certificate_pem,
    seal_certificate_pkcs12,
)


class Command(BaseCommand):
    help = (
        "Creates the portal's document seal certificate if it is missing, then prints its "
        "file, subject, validity and SHA-256 fingerprint (or, with --pem, the certificate; "
        "with --env, the key and certificate as environment variables for every server)."
    )

    def add_arguments(self, parser):
        shown = parser.add_mutually_exclusive_group()
        shown.add_argument(
            "--pem",
            action="store_true",
            help="Print the certificate in PEM format instead of its details.",
        )
        shown.add_argument(
            "--env",
            action="store_true",
            help=(
                "Print SEAL_CERTIFICATE_PKCS12_BASE64 and SEAL_CERTIFICATE_PASSWORD, lines for "
                "an environment file. They hold the private key: keep them secret."
            ),
        )

    def handle(self, *args, **options):
        path = ensure_seal_certificate()
        if options["pem"]:
            self.stdout.write(seal_certificate_pem(), ending="")
            return
        if options["env"]:
            encoded = base64.b64encode(seal_certificate_pkcs12()).decode("ascii")
            self.stdout.write(f"SEAL_CERTIFICATE_PKCS12_BASE64={encoded}")
            self.stdout.write(f"SEAL_CERTIFICATE_PASSWORD={settings.SEAL_CERTIFICATE_PASSWORD}")
            return
        certificate = seal_certificate()
        validity = certificate["tbs_certificate"]["validity"]
        self.stdout.write(f"File:        {path or 'none, given in SEAL_CERTIFICATE_PKCS12_BASE64'}")
        self.stdout.write(f"Subject:     {certificate.subject.human_friendly}")
        self.stdout.write(f"Valid from:  {validity['not_before'].native:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(f"Valid until: {validity['not_after'].native:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(f"SHA-256:     {certificate_fingerprint(certificate)}")
