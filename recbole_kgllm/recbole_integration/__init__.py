"""The only code that knows RecBole internals: model lookup, config defaults, quick start,
checkpoint loading and the compatibility layer. A RecBole upgrade is this folder's work."""
