"""The buyer-facing storefront blueprint: thin views over the catalog domain."""
