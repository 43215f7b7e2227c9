"""Every export kind the importer reads, by code: one module per kind."""
from dashboard.ingest.kinds.ali_activite import AliActivite
from dashboard.ingest.kinds.ali_cohortes import AliCohortes
from dashboard.ingest.kinds.ali_objectifs import AliObjectifs
from dashboard.ingest.kinds.allocataires import Allocataires
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.kinds.caf_annuel import CafAnnuel
from dashboard.ingest.kinds.communes import Communes, CommunesDeleguees
from dashboard.ingest.kinds.insee_qpv import InseeQpvDemo, InseeQpvIpro
from dashboard.ingest.kinds.objectifs_publies import ObjectifsPublies
from dashboard.ingest.kinds.population import Population
from dashboard.ingest.kinds.qpv import Qpv
from dashboard.ingest.kinds.structures import Structures
from dashboard.ingest.kinds.territoires import Territoires
from dashboard.ingest.kinds.typologies import Typologies

KINDS: dict[str, Kind] = {k.code: k for k in (
    # the partners' exports (shared/formats/README.md)
    Allocataires(), AliActivite(), AliCohortes(), AliObjectifs(), Structures(), Territoires(), Qpv(),
    # reference data shipped with the app
    Communes(), CommunesDeleguees(), Population(), CafAnnuel(), InseeQpvDemo(), InseeQpvIpro(), Typologies(),
    ObjectifsPublies(),
)}

__all__ = ["KINDS", "Context", "Kind"]
