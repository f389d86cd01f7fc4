def test_login_and_dashboard(client, make_user, login, make_deal):
    user = make_user(name="Li Na")
    deal = make_deal(user, name_en="Rainbow Chicks")
    login(user)
    page = client.get("/").get_data(as_text=True)
    assert "Rainbow Chicks" in page
    assert client.get(f"/deals/{deal.id}").status_code == 200
    assert client.get("/deals/pipeline").status_code == 200
    assert client.get("/deals/").status_code == 200
