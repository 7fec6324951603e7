"""The model files shipped with the package (`moderation.models`): the trained pipeline and its manifest."""
