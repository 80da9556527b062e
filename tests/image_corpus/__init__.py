"""Crafted disk images, built as bytes by code (the repository holds no image blobs): the hostile
cases format inspection must refuse and hand-made good images it must accept (``cases``), and the
builders that make them (``build``)."""

from tests.image_corpus.build import qcow2, vmdk_descriptor, vmdk_sparse
from tests.image_corpus.cases import ACCEPTED, REFUSED, Crafted

__all__ = ["ACCEPTED", "REFUSED", "Crafted", "qcow2", "vmdk_descriptor", "vmdk_sparse"]
