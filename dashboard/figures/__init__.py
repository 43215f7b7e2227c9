"""Pure functions: tidy frame in, Plotly figure out. No figure reads the database."""
