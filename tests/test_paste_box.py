"""The sidebar's "Paste code" box: pasted scheduler code is added as its canonical spec, or refused with one
line naming the line and the argument, the pasted text kept."""

from apptest_helpers import messages, open_app, open_experiment, widget

PASTED = """optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=2)
decay = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
scheduler = SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[2])"""
CANONICAL = ("SequentialLR(LinearLR(start_factor=0.1, end_factor=1.0, total_iters=2), ExponentialLR(gamma=0.9), "
             "milestones=[2])")


def _paste(app, code: str):
    app.text_area(key="paste_code").set_value(code)
    next(button for button in app.button if button.label == "Add pasted schedule").click()
    return app.run()


def _schedules(app) -> list[str]:
    return [slot["name"] for slot in app.session_state["lrviz"]["slots"]]


def test_pasted_code_is_added_and_its_canonical_spec_shown():
    app = open_app()
    before = _schedules(app)
    app = _paste(app, PASTED)
    assert not app.exception and not messages(app)
    assert _schedules(app) == [*before, "SequentialLR"]
    assert CANONICAL in [block.value for block in app.code]
    assert app.text_area(key="paste_code").value == PASTED


def test_bad_code_is_refused_under_the_box_and_the_text_kept():
    app = open_app()
    before = _schedules(app)
    bad = PASTED.replace("total_iters=2", "total_iters=len(dataset)")  # len(train_loader) is the run's
    app = _paste(app, bad)
    assert not app.exception
    assert _schedules(app) == before
    [message] = messages(app)
    shown = message.replace("\\", "")  # the message is escaped for Markdown, so that it shows literally
    assert shown == "line 2: LinearLR: total_iters needs a number: len(dataset) has no value here"
    assert app.text_area(key="paste_code").value == bad


def test_pasted_values_beyond_the_sliders_teaching_range_are_shown():
    """Valid means what torch accepts: each widget stretches to show a pasted value past its slider's range."""
    app = open_app()
    for code in ["OneCycleLR(optimizer, max_lr=25, total_steps=5000, base_momentum=1, max_momentum=22)",
                 "CyclicLR(optimizer, 0.01, 0.1, step_size_up=4, step_size_down=5000, max_momentum=3)",
                 "get_wsd_schedule(optimizer, 2, 3, num_stable_steps=5000, min_lr_ratio=0.1)"]:
        app = _paste(app, code)
        assert not app.exception and not messages(app), code
    assert _schedules(app)[-3:] == ["OneCycleLR", "CyclicLR", "get_wsd_schedule"]


def test_a_name_computed_at_run_time_gets_a_box_and_the_schedule_is_added_with_its_value():
    app = open_app()
    before = _schedules(app)
    code = "scheduler = StepLR(optimizer, step_size=cfg.SOLVER.STEP, gamma=0.5)"
    app = _paste(app, code)
    assert _schedules(app) == before and "cfg.SOLVER.STEP has no value here" in messages(app)[0].replace("\\", "")
    app.text_input(key="define:cfg.SOLVER.STEP").set_value("3").run()
    app = _paste(app, code)
    assert not app.exception and not messages(app)
    assert _schedules(app) == [*before, "StepLR"]
    assert "StepLR(step_size=3, gamma=0.5)" in [block.value for block in app.code]


def test_the_runs_length_is_filled_in_and_said_beside_the_box():
    app = open_experiment(open_app())
    widget(app, "slider", "exp", "epochs").set_value(7)
    app = _paste(app.run(), "scheduler = CosineAnnealingLR(optimizer, T_max=args.epochs)")
    assert not app.exception and not messages(app)
    assert "args.epochs = 7, the run's epochs" in [caption.value for caption in app.caption]
    assert "CosineAnnealingLR(T_max=7, eta_min=0.0)" in [block.value for block in app.code]
