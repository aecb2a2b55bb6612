"""Every domain's models, imported so `Base.metadata` is complete (Alembic, tests).

One import line per domain keeps this file trivial to merge.
"""

from app.alerts import models as alerts_models
from app.ansible import models as ansible_models
from app.audit import models as audit_models
from app.conversations import models as conversations_models
from app.credentials import models as credentials_models
from app.db import Base
from app.devices import models as devices_models
from app.events import models as events_models
from app.executions import models as executions_models
from app.federations import models as federations_models
from app.inventories import models as inventories_models
from app.logs import models as logs_models
from app.netbox import models as netbox_models
from app.notifications import models as notifications_models
from app.pipelines import models as pipelines_models
from app.playbooks import models as playbooks_models
from app.runtime_settings import models as runtime_settings_models
from app.scans import models as scans_models
from app.scans.polling import models as polling_models
from app.schedules import models as schedules_models
from app.scripts import models as scripts_models
from app.users import models as users_models
from app.workflows import models as workflows_models

DOMAIN_MODELS = (
    alerts_models,
    ansible_models,
    audit_models,
    conversations_models,
    credentials_models,
    devices_models,
    events_models,
    executions_models,
    federations_models,
    inventories_models,
    logs_models,
    netbox_models,
    notifications_models,
    pipelines_models,
    playbooks_models,
    runtime_settings_models,
    schedules_models,
    scripts_models,
    scans_models,
    polling_models,
    users_models,
    workflows_models,
)

__all__ = ["DOMAIN_MODELS", "Base"]
