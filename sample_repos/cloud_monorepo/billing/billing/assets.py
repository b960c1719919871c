"""Invoices from Stripe into Postgres."""

import dagster as dg
import sqlalchemy as sa
import stripe


@dg.asset
def invoices() -> int:
    return len(stripe.Invoice.list(limit=100))


@dg.asset
def invoice_totals(invoices: int) -> None:
    engine = sa.create_engine("postgresql://billing@db/billing")
    with engine.begin() as conn:
        conn.execute(sa.text("select 1"))
