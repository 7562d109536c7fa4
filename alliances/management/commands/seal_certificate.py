"""Shows the portal's seal certificate, creating it first if there is none.

Run it once when setting up a server, so that the certificate exists before the first agreement
is sealed, and whenever someone asks how to check a sealed document: the fingerprint lets them
confirm they have the right certificate, and --pem prints the certificate itself.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from alliance_portal.seal import (
    certificate_fingerprint,
    ensure_seal_certificate,
    seal_certificate,
    seal_certificate_pem,
)


class Command(BaseCommand):
    help = (
        "Creates the portal's document seal certificate if it is missing, then prints its "
        "file, subject, validity and SHA-256 fingerprint (or, with --pem, the certificate)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pem",
            action="store_true",
            help="Print the certificate in PEM format instead of its details.",
        )

    def handle(self, *args, **options):
        path = ensure_seal_certificate()
        if options["pem"]:
            self.stdout.write(seal_certificate_pem(), ending="")
            return
        certificate = seal_certificate()
        validity = certificate["tbs_certificate"]["validity"]
        self.stdout.write(f"File:        {path}")
        self.stdout.write(f"Subject:     {certificate.subject.human_friendly}")
        self.stdout.write(f"Valid from:  {validity['not_before'].native:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(f"Valid until: {validity['not_after'].native:%Y-%m-%d %H:%M %Z}")
        self.stdout.write(f"SHA-256:     {certificate_fingerprint(certificate)}")
