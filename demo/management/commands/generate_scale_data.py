"""Fills an empty database with realistic data at scale for the benchmarks in bench/."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from alliances.models import Alliance
from demo.scale_data import BASE, PASSWORD, Generator

ERR_NOT_EMPTY = (
    "This database already holds alliances. The benchmark data goes into an empty database "
    "of its own (create one and run migrate first), so that no real data is mixed with it."
)
ERR_SCALE = "The scale must be between 0.02 and 100."


class Command(BaseCommand):
    help = (
        "Writes benchmark data into an empty database: at --scale 1, "
        + ", ".join(f"{count:,} {name}" for name, count in BASE.items())
        + "; --scale 10 is ten times that. The same --seed writes the same text."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale: float, seed: int, **options):
        if not 0.02 <= scale <= 100:
            raise CommandError(ERR_SCALE)
        if Alliance.objects.exists():
            raise CommandError(ERR_NOT_EMPTY)
        started = time.perf_counter()
        generator = Generator(seed=seed, scale=scale, log=self.stdout.write)
        totals = generator.run()
        seconds = time.perf_counter() - started
        for name, value in vars(totals).items():
            if isinstance(value, int):
                self.stdout.write(f"{name:>18}: {value:,}")
        self.stdout.write(
            self.style.SUCCESS(f"Written in {seconds:.1f} s. Every account's password: {PASSWORD}")
        )
