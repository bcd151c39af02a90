from web_frontend import create_app

app = create_app()
