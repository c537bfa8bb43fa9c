from posture.cli import run

run()
