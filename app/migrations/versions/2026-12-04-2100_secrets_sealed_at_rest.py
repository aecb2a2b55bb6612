"""secrets sealed at rest: the first start after it seals stored secrets

No schema change. Sealing needs the vault key, which migrations do not have:
`upgrade_database` (app/cli.py) seals the registered secrets (app/secrets.py)
and inventory passwords after any run that applied a migration, so this
revision makes the first `opsgraph serve` of this version seal the data an
older version stored in clear. Downgrading leaves the data sealed.

Revision ID: secrets_0001
Revises: 0001
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

revision: str = "secrets_0001"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
# None: the sealing runs after every head is reached, whatever the order.
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing in the schema: see the module docstring."""


def downgrade() -> None:
    """Nothing in the schema: see the module docstring."""
