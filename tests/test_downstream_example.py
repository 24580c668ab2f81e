"""Our lab's pack keeps every property labinterp.testing checks (docs/testing.md)."""

import pytest

from labinterp import Pack
from labinterp.testing import check_pack


@pytest.mark.labinterp_pack("downstream/our_lab.yaml")
def test_our_pack_keeps_every_property(labinterp_pack: Pack) -> None:
    assert labinterp_pack.thresholds["ferritin_iron_deficiency"].cutoffs[0].value == 45
    check_pack(labinterp_pack).assert_ok()
