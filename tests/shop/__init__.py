"""Tests of the buyer-facing storefront."""
