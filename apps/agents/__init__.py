"""Who acts and how they think: users, API keys, credentials, AI components, tools, memory."""
