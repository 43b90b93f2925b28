"""Entity classes and the mixins the factory applies to them."""
