"""AI assistant conversations (Ansible Hub "AI 對話 API")."""
