"""The domain: plain dataclasses in, plain dataclasses out. No `import discord` here."""
