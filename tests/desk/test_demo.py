from fengqiao.demo import desk as demo
from fengqiao.desk import selectors
from fengqiao.desk.models import Appointment, Rating, Service, Ticket


def test_demo_writes_a_catalogue_weeks_of_numbers_and_ratings(alice, clerk, station):
    counts = demo.load(scale=8, seed=7, log=lambda line: None)
    assert counts["services"] == Service.objects.filter(station=station).count() == 10
    assert counts["tickets"] > 200 and Rating.objects.count() == counts["ratings"] > 100
    assert (
        Appointment.objects.filter(status="no_show").exists()
        and Appointment.objects.filter(status="booked").exists()
    )
    first, last = (
        Ticket.objects.order_by("date").first().date,
        Ticket.objects.order_by("date").last().date,
    )
    fig = selectors.figures(station.pk, first, last)
    assert fig["wait"]["median"] is not None and 80 < fig["good_rate"] < 100
    assert demo.load(scale=8, seed=7, log=lambda line: None) == {}  # once only
