"""Negotiation protocols, one package each, written against the contract rather than a
domain: ``negotiate``, ``first_commit``, ``central``, ``transport`` (priced resources) and
``seed_offers`` (the source notebook's baseline)."""
