from api_gateway import create_app

app = create_app()
