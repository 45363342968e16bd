"""Views of the projects app: `public` for residents, `portal` for the project teams."""
