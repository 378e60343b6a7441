"""Generate the PowerGen DG-45 series service manual PDF for the demo fleet.

The manual text is kept below as data (a list of sections). Running the script
writes ``edge_agent/demo_data/manuals/dg45-generator-service-manual.pdf``
relative to the repository root. The output is deterministic: the creation
date is fixed, so reruns with the same fpdf2 version produce identical bytes.

Usage::

    python scripts/make_demo_pdf.py
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

REPO_ROOT = Path(__file__).resolve().parent.parent
OUTPUT_PATH = (
    REPO_ROOT
    / "edge_agent"
    / "demo_data"
    / "manuals"
    / "dg45-generator-service-manual.pdf"
)

TITLE = "PowerGen DG-45 Series Diesel Generator Set - Service Manual"
SUBTITLE = "Models DG-45 and DG-60 | Revision D | March 2024"
SHORT_TITLE = "PowerGen DG-45 Series Service Manual"
AUTHOR = "PowerGen Technical Documentation"
CREATION_DATE = dt.datetime(2024, 3, 1, 8, 0, 0, tzinfo=dt.UTC)

FONT = "Helvetica"
BODY_SIZE = 9.5
LINE_HEIGHT = 4.6


@dataclass(frozen=True)
class Steps:
    """A numbered procedure."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A simple table; the first row is printed as the heading row."""

    rows: tuple[tuple[str, ...], ...]
    col_widths: tuple[int, ...]


Block = str | Steps | Table
Section = tuple[str, list[Block]]

INTRO = (
    "This manual covers safety, start-up, fault finding and routine maintenance of the "
    "PowerGen DG-45 series of diesel generator sets. The series has two models: the "
    "DG-45 (45 kVA) and the DG-60 (60 kVA). Both use a four-cylinder turbocharged "
    "diesel engine, a brushless alternator with automatic voltage regulator (AVR) and "
    "the same controller and fault code list. Fault codes and part numbers are the "
    "same as in the fault code list (fault-codes.csv) and the parts catalogue "
    "(parts.csv). Read the site safety rules (site-safety-rules.md) before working on "
    "any unit."
)

SECTIONS: list[Section] = [
    (
        "1 Safety",
        [
            "A generator set combines a diesel engine with hot and pressurised "
            "systems, a starter battery and an alternator that produces 400 V as soon "
            "as the engine turns. A standby set in AUTO mode starts without warning "
            "on mains failure or on a remote start signal.",
        ],
    ),
    (
        "1.1 Lockout/tagout and remote start",
        [
            Steps(
                (
                    "Inform the site supervisor. For a standby set, agree a period in "
                    "which mains failure cover is not needed.",
                    "Switch the controller to OFF. In AUTO the set can start at any "
                    "time.",
                    "Open the output circuit breaker and lock it open with your "
                    "personal padlock and tag.",
                    "Disconnect the starter battery negative lead and tag it.",
                    "Press START to verify that the engine does not crank.",
                )
            ),
            "Never remove another technician's lock. Each person working on the set "
            "fits their own lock to the lockout hasp.",
        ],
    ),
    (
        "1.2 Hot surfaces and cooling system pressure",
        [
            "The exhaust manifold and turbocharger exceed 450 °C at full load and "
            "stay hot for more than an hour. Allow at least 60 min cooling time "
            "before work on the engine. The cooling system is pressurised to 0.9 bar: "
            "never open the radiator cap (6630-R30-700) while the coolant is above 50 "
            "°C, because coolant above 100 °C flashes to steam when the pressure is "
            "released.",
        ],
    ),
    (
        "1.3 Electrical isolation",
        [
            "The alternator produces voltage whenever the engine turns, including "
            "while cranking. Only qualified electrical personnel may open the "
            "alternator terminal box or the controller cabinet. Prove the absence of "
            "voltage with a tested detector before touching conductors. Disconnect "
            "the AVR and the controller voltage sensing before an insulation test at "
            "500 V DC.",
        ],
    ),
    (
        "1.4 Fuel, batteries and exhaust",
        [
            "Never loosen a high-pressure injection line with the engine running; a "
            "fuel jet can penetrate the skin. Batteries release hydrogen while "
            "charging: no open flames, disconnect the negative lead first and "
            "reconnect it last. Run the set indoors only with the exhaust ducted "
            "outside and the room ventilation working.",
        ],
    ),
    (
        "2 Specifications and start-up",
        [
            "The serial number is on the nameplate on the alternator housing and on "
            "the controller under Menu > About.",
        ],
    ),
    (
        "2.1 Models and serial numbers",
        [
            Table(
                (
                    ("Model", "Serial number", "Site", "Location"),
                    ("DG-45", "PGD-045318", "SITE-RIVER-01", "Standby generator house"),
                    (
                        "DG-45",
                        "PGD-045322",
                        "SITE-HOSPITAL-03",
                        "Theatre wing backup supply",
                    ),
                    ("DG-60", "PGD-060104", "SITE-HOSPITAL-03", "Emergency power room"),
                ),
                (14, 20, 26, 40),
            ),
        ],
    ),
    (
        "2.2 Engine and alternator data",
        [
            Table(
                (
                    ("Item", "DG-45", "DG-60"),
                    ("Prime rating", "45 kVA / 36 kW", "60 kVA / 48 kW"),
                    (
                        "Output",
                        "400/230 V, 3 phase, 50 Hz, pf 0.8",
                        "400/230 V, 3 phase, 50 Hz, pf 0.8",
                    ),
                    ("Rated current", "65 A", "87 A"),
                    (
                        "Engine",
                        "4 cylinder turbo diesel, 3.3 L",
                        "4 cylinder turbo diesel, 4.4 L",
                    ),
                    ("Rated speed", "1500 rpm", "1500 rpm"),
                    (
                        "Oil capacity incl. filter",
                        "9.5 L, SAE 15W-40",
                        "13.0 L, SAE 15W-40",
                    ),
                    ("Coolant capacity", "12 L", "16 L"),
                    (
                        "Fuel tank / consumption at 75 % load",
                        "120 L / 7.6 L/h",
                        "180 L / 10.2 L/h",
                    ),
                    ("Starter battery", "12 V, 100 Ah", "12 V, 100 Ah"),
                ),
                (36, 32, 32),
            ),
        ],
    ),
    (
        "2.3 Settings, clearances and torque values",
        [
            Table(
                (
                    ("Item", "Value"),
                    (
                        "Oil pressure at 1500 rpm",
                        "2.5-4.5 bar (G-301 below 1.5 bar, G-302 below 1.0 bar)",
                    ),
                    (
                        "Coolant temperature",
                        "80-92 °C (G-304 above 98 °C, G-305 above 105 °C)",
                    ),
                    ("Thermostat opening / radiator cap", "82 °C / 0.9 bar"),
                    ("Overspeed / underspeed", "1725 rpm (G-310) / 1350 rpm (G-311)"),
                    (
                        "Voltage and frequency limits",
                        "440 V (G-330), 360 V (G-331), 45 Hz (G-333)",
                    ),
                    (
                        "Battery limits",
                        "11.5 V at rest (G-322), 13.0 V charging (G-323)",
                    ),
                    ("Valve clearance, cold", "intake 0.20 mm, exhaust 0.45 mm"),
                    ("Speed pickup air gap", "0.5-0.8 mm"),
                    ("Fan belt deflection", "10 mm at 100 N"),
                    ("Oil drain plug M18", "40 Nm"),
                    ("Rocker cover bolts M6", "12 Nm"),
                    ("Thermostat housing bolts M8", "24 Nm"),
                    ("Charge alternator pivot bolt M10", "45 Nm"),
                    ("Battery terminals", "8 Nm"),
                ),
                (38, 62),
            ),
        ],
    ),
    (
        "2.4 Start-up procedure",
        [
            Steps(
                (
                    "Check the engine oil level between the MIN and MAX marks of the "
                    "dipstick.",
                    "Check the coolant level in the expansion tank with the engine "
                    "cold.",
                    "Check the fuel level and drain the water separator bowl of "
                    "primary filter 6630-F20-102.",
                    "Check the battery voltage on the controller: at least 12.4 V at "
                    "rest.",
                    "With the output breaker open, select MAN and press START. The "
                    "controller cranks for up to 10 s with 15 s rest, three attempts, "
                    "before it reports G-320.",
                    "Oil pressure must rise above 2.5 bar within 10 s.",
                    "Run at no load for 3-5 min, check 400 V and 50 Hz, then close "
                    "the breaker.",
                    "For standby sets, return the controller to AUTO and record the "
                    "running hours.",
                )
            ),
        ],
    ),
    (
        "2.5 Shutdown",
        [
            "Open the output breaker and let the engine run unloaded for 3-5 min so "
            "that the turbocharger cools, then press STOP. The fuel stop solenoid "
            "(6630-E21-404) cuts the fuel. If the engine is still running after 30 s, "
            "use the emergency stop button.",
        ],
    ),
    (
        "3 Troubleshooting",
        [],
    ),
    (
        "3.1 Reading the controller",
        [
            "Shutdowns (red) stop the engine and open the breaker; warnings (yellow) "
            "leave the set running. The event log keeps the last 250 events with the "
            "readings at the time of each event. Read the log before resetting, "
            "because faults come in sequences: G-304 before G-305, G-301 before "
            "G-302, G-322 before G-320. A shutdown can only be reset with the "
            "controller in OFF.",
        ],
    ),
    (
        "3.2 Fault G-305 High coolant temperature shutdown",
        [
            "The coolant has exceeded 105 °C and the engine has been stopped. G-305 "
            "is usually preceded by G-304 High coolant temperature warning (above 98 "
            "°C). If G-306 Low coolant level is also in the log, find the leak first.",
            Steps(
                (
                    "Do not open the radiator cap. Wait until the coolant is below 50 "
                    "°C.",
                    "Check the coolant level. If it is low, pressure-test the system "
                    "at 0.9 bar and inspect hoses 6630-H30-601 and 6630-H30-602 and "
                    "the weep hole of coolant pump 6630-P30-211.",
                    "Check fan belt 6630-B40-201: 10 mm deflection at 100 N. Replace "
                    "it if cracked or glazed.",
                    "Clean the radiator core from the engine side with compressed air "
                    "at max. 2 bar.",
                    "If the upper hose stays cold while the engine is hot, the "
                    "thermostat is stuck: fit thermostat 6630-P30-210 with gasket "
                    "6630-G30-502 and tighten to 24 Nm.",
                    "Compare the display with a contact thermometer. A wrong reading "
                    "means a faulty sender (6630-S02-302 on DG-45, 6630-S02-303 on "
                    "DG-60), normally reported as G-307 (DG-45) or G-308 (DG-60).",
                    "Restart, run 10 min at no load and 30 min at 75 % load; the "
                    "coolant must stay at 80-92 °C.",
                )
            ),
        ],
    ),
    (
        "3.3 Fault G-302 Low oil pressure shutdown",
        [
            "Oil pressure below 1.0 bar at rated speed stops the engine; G-301 warns "
            "below 1.5 bar.",
            Steps(
                (
                    "Wait 5 min, check the dipstick and top up with engine oil "
                    "6630-L10-150.",
                    "Check the oil for fuel dilution (thin, smelling of diesel). "
                    "Diluted oil must be changed and the injectors checked by a "
                    "specialist.",
                    "Replace oil filter 6630-F10-101.",
                    "Fit a mechanical test gauge in place of oil pressure sender "
                    "6630-S01-301. If the gauge shows 2.5-4.5 bar at 1500 rpm, "
                    "replace the sender.",
                    "If the gauge confirms low pressure, do not run the engine; "
                    "report it for engine repair.",
                )
            ),
        ],
    ),
    (
        "3.4 Fault G-320 Fail to start",
        [
            Steps(
                (
                    "Check the log for G-322 Low battery voltage. At rest the battery "
                    "must show at least 12.4 V, and not below 9.6 V while cranking. "
                    "Charge and load-test it; replace battery 6630-E22-401 if it "
                    "fails.",
                    "Check the fuel level and that the fuel tap is open.",
                    "Check fuel stop solenoid 6630-E21-404: 12 V at the terminal and "
                    "an audible click when START is pressed.",
                    "Bleed the fuel system: open the bleed screw on secondary filter "
                    "6630-F20-103 and operate the hand primer until fuel flows "
                    "without bubbles.",
                    "If the starter turns slowly with a good battery, check the "
                    "cables and starter motor 6630-E20-403.",
                )
            ),
            "A recurring G-322 is often caused by G-323 Charge alternator failure: "
            "with the engine running the battery voltage must be 13.0-14.4 V. Check "
            "fan belt tension and replace charge alternator 6630-E23-402 if the "
            "output stays low.",
        ],
    ),
    (
        "3.5 Fault G-310 Overspeed shutdown",
        [
            "The engine has exceeded 1725 rpm (115 %), typically after a sudden load "
            "rejection or with a sticking governor actuator. Never restart before the "
            "cause is found.",
            Steps(
                (
                    "Check that the governor actuator linkage moves freely over its "
                    "full travel.",
                    "Check magnetic pickup 6630-S10-305: screw it in until it touches "
                    "a flywheel tooth, back out 3/4 turn (0.5-0.8 mm gap) and lock. A "
                    "lost signal is reported as G-312.",
                    "Restart at no load and confirm a stable 1500 rpm (50 Hz).",
                    "Underspeed (G-311, below 1350 rpm): replace fuel filters "
                    "6630-F20-102 and 6630-F20-103.",
                )
            ),
        ],
    ),
    (
        "3.6 Fault G-330 Generator overvoltage",
        [
            Steps(
                (
                    "Check the output at no load and rated speed: 400 V +/- 1 %.",
                    "Check the AVR sensing leads. A loose sensing lead drives the AVR "
                    "to full excitation.",
                    "Adjust the voltage trim; if the voltage cannot be set, replace "
                    "AVR 6630-E30-405.",
                )
            ),
            "For G-331 Generator undervoltage (below 360 V) check load and engine "
            "speed first (G-311, G-333) before suspecting the AVR.",
        ],
    ),
    (
        "3.7 Fault G-341 Earth fault",
        [
            Steps(
                (
                    "Lock out the set as in 1.1 and open the output breaker.",
                    "Disconnect the AVR and controller voltage sensing and measure "
                    "the insulation resistance phase to earth at 500 V DC: minimum 1 "
                    "MOhm.",
                    "If the alternator is sound, test the load cabling section by "
                    "section.",
                    "If earth fault relay 6630-E41-406 trips with good insulation, "
                    "test and replace the relay.",
                )
            ),
            "G-340 Generator overcurrent (above 110 % of rated current) is a load "
            "problem: reduce or redistribute the load and check the circuits before "
            "closing the breaker again.",
        ],
    ),
    (
        "3.8 Other fault codes",
        [
            Table(
                (
                    ("Code", "Description", "Action"),
                    ("G-301", "Low oil pressure warning", "Check oil level; see 3.3"),
                    (
                        "G-304",
                        "High coolant temperature warning",
                        "Reduce load; see 3.2",
                    ),
                    (
                        "G-306",
                        "Low coolant level",
                        "Cool down, top up with 6630-L30-151, find leak",
                    ),
                    (
                        "G-307",
                        "Coolant temperature sensor fault (DG-45)",
                        "Check wiring, sender 6630-S02-302",
                    ),
                    (
                        "G-308",
                        "Coolant temperature sensor fault (DG-60)",
                        "Check wiring, sender 6630-S02-303",
                    ),
                    (
                        "G-312",
                        "Speed signal lost",
                        "Set pickup 6630-S10-305 gap; see 3.5",
                    ),
                    (
                        "G-351",
                        "Water in fuel",
                        "Drain bowl; replace 6630-F20-102 if water returns",
                    ),
                    (
                        "G-355",
                        "Air filter restriction",
                        "Replace air filter element 6630-F55-104",
                    ),
                    (
                        "G-360",
                        "Controller module fault",
                        "Cycle supply; replace 6630-K60-900",
                    ),
                    ("G-390", "Service due", "500 h service (4.2), reset counter"),
                ),
                (12, 40, 48),
            ),
        ],
    ),
    (
        "4 Routine maintenance",
        [
            "Intervals are in running hours or calendar time, whichever comes first. "
            "The controller shows G-390 Service due every 500 h.",
        ],
    ),
    (
        "4.1 Service intervals",
        [
            Table(
                (
                    ("Interval", "Task"),
                    (
                        "Weekly",
                        "Test run 15 min at min. 30 % load; check levels; drain water "
                        "separator",
                    ),
                    (
                        "250 h / 3 months",
                        "Check fan belt, air filter indicator, hoses and battery "
                        "terminals",
                    ),
                    (
                        "500 h / 12 months",
                        "Oil, oil filter and fuel filters with kit 6630-X90-001 "
                        "(DG-45) or 6630-X90-002 (DG-60); reset G-390",
                    ),
                    (
                        "1000 h",
                        "Air filter element 6630-F55-104; valve clearance (4.4)",
                    ),
                    (
                        "2000 h / 2 years",
                        "Coolant change, thermostat, hoses, radiator cap (4.5)",
                    ),
                    (
                        "12 months",
                        "Insulation resistance test; 1 h load test at 75 % load",
                    ),
                ),
                (22, 78),
            ),
        ],
    ),
    (
        "4.2 Oil and filter change (500 h)",
        [
            Steps(
                (
                    "Run the engine for 10 min to warm the oil, stop it and lock out.",
                    "Remove the drain plug and drain the oil into a container.",
                    "Fit a new oil filter 6630-F10-101: oil the seal, hand-tight plus "
                    "3/4 turn.",
                    "Refit the drain plug with a new washer and tighten to 40 Nm.",
                    "Fill with SAE 15W-40 (6630-L10-150): 9.5 L on the DG-45, 13.0 L "
                    "on the DG-60.",
                    "Run for 5 min, check for leaks and 2.5-4.5 bar oil pressure, top "
                    "up to MAX.",
                )
            ),
        ],
    ),
    (
        "4.3 Fuel filters",
        [
            "Replace primary filter 6630-F20-102 (with water separator) and secondary "
            "filter 6630-F20-103 every 500 h, then bleed the system as in 3.4. Drain "
            "the separator bowl weekly; water in the bowl raises G-351 Water in fuel.",
        ],
    ),
    (
        "4.4 Valve clearance (1000 h)",
        [
            "Check with the engine cold (below 40 °C). Remove the rocker cover, turn "
            "the engine to top dead centre of cylinder 1 on compression and measure "
            "with a feeler gauge: intake 0.20 mm, exhaust 0.45 mm. Adjust, tighten "
            "the lock nuts, fit a new rocker cover gasket 6630-G10-501 and tighten "
            "the cover bolts to 12 Nm.",
        ],
    ),
    (
        "4.5 Cooling system (2000 h)",
        [
            "Drain and flush the cooling system, fit a new thermostat 6630-P30-210 "
            "and radiator cap 6630-R30-700, and fill with coolant premix "
            "6630-L30-151: 12 L on the DG-45, 16 L on the DG-60. Bleed air at the "
            "thermostat housing bleed screw while filling, then check the level again "
            "when cold; an unfilled system raises G-306.",
        ],
    ),
    (
        "5 Parts",
        [
            Table(
                (
                    ("Part number", "Description", "Model"),
                    ("6630-F10-101", "Engine oil filter", "both"),
                    (
                        "6630-F20-102",
                        "Primary fuel filter with water separator",
                        "both",
                    ),
                    ("6630-F20-103", "Secondary fuel filter", "both"),
                    ("6630-F55-104", "Air filter element", "both"),
                    ("6630-L10-150", "Engine oil 15W-40, 20 L", "both"),
                    ("6630-L30-151", "Coolant premix 50/50, 20 L", "both"),
                    ("6630-B40-201", "Fan belt", "both"),
                    ("6630-P30-210", "Thermostat 82 °C with gasket", "both"),
                    ("6630-P30-211", "Coolant pump", "both"),
                    ("6630-S01-301", "Oil pressure sender", "both"),
                    ("6630-S02-302", "Coolant temperature sender", "DG-45"),
                    ("6630-S02-303", "Coolant temperature sender", "DG-60"),
                    ("6630-S06-304", "Coolant level probe", "both"),
                    ("6630-S10-305", "Magnetic speed pickup", "both"),
                    ("6630-E20-403", "Starter motor 12 V", "both"),
                    ("6630-E21-404", "Fuel stop solenoid 12 V", "both"),
                    ("6630-E22-401", "Starter battery 12 V 100 Ah", "both"),
                    ("6630-E23-402", "Charge alternator 12 V 65 A", "both"),
                    ("6630-E30-405", "Automatic voltage regulator (AVR)", "both"),
                    ("6630-E41-406", "Earth fault relay", "both"),
                    ("6630-K60-900", "Generator controller module", "both"),
                    ("6630-G10-501", "Rocker cover gasket", "both"),
                    ("6630-G30-502", "Thermostat housing gasket", "both"),
                    ("6630-H30-601", "Upper radiator hose", "both"),
                    ("6630-H30-602", "Lower radiator hose", "both"),
                    ("6630-R30-700", "Radiator cap 0.9 bar", "both"),
                    ("6630-X90-001", "Service kit 500 h", "DG-45"),
                    ("6630-X90-002", "Service kit 500 h", "DG-60"),
                ),
                (25, 55, 20),
            ),
        ],
    ),
]


class ManualPDF(FPDF):
    """FPDF with a running header and a page-numbered footer."""

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, SHORT_TITLE, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "I", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def is_chapter(heading: str) -> bool:
    """A chapter heading has a number without a dot, e.g. '3 Troubleshooting'."""
    number = heading.split(" ", 1)[0]
    return "." not in number


def render_heading(pdf: ManualPDF, heading: str) -> None:
    if is_chapter(heading):
        pdf.set_font(FONT, "B", 14)
        pdf.ln(2)
        pdf.multi_cell(0, 7, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    else:
        pdf.set_font(FONT, "B", 11)
        pdf.ln(1.5)
        pdf.multi_cell(0, 6, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", BODY_SIZE)


def render_paragraph(pdf: ManualPDF, text: str) -> None:
    pdf.multi_cell(0, LINE_HEIGHT, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)


def render_steps(pdf: ManualPDF, steps: Steps) -> None:
    indent = 7.0
    for number, item in enumerate(steps.items, start=1):
        pdf.set_x(pdf.l_margin)
        pdf.cell(indent, LINE_HEIGHT, f"{number}.")
        pdf.multi_cell(
            0, LINE_HEIGHT, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.ln(0.6)
    pdf.ln(1.0)


def render_table(pdf: ManualPDF, table: Table) -> None:
    pdf.set_font(FONT, "", BODY_SIZE - 1)
    with pdf.table(
        col_widths=table.col_widths,
        line_height=LINE_HEIGHT,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as pdf_table:
        for row in table.rows:
            pdf_row = pdf_table.row()
            for text in row:
                pdf_row.cell(text)
    pdf.set_font(FONT, "", BODY_SIZE)
    pdf.ln(2)


def render_block(pdf: ManualPDF, block: Block) -> None:
    if isinstance(block, str):
        render_paragraph(pdf, block)
    elif isinstance(block, Steps):
        render_steps(pdf, block)
    else:
        render_table(pdf, block)


def build_pdf(sections: list[Section]) -> ManualPDF:
    pdf = ManualPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(left=20, top=15, right=20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(TITLE)
    pdf.set_author(AUTHOR)
    pdf.set_subject("Safety, specifications, start-up, troubleshooting, maintenance")
    pdf.set_keywords(
        "PowerGen, DG-45, DG-60, generator set, service manual, fault codes"
    )
    pdf.set_creator("scripts/make_demo_pdf.py")
    pdf.set_creation_date(CREATION_DATE)
    pdf.set_lang("en")

    pdf.add_page()
    # Keep the title on one line: text extraction reads the first line as the title.
    title_size = 17.0
    pdf.set_font(FONT, "B", title_size)
    while pdf.get_string_width(TITLE) > pdf.epw and title_size > 10:
        title_size -= 0.5
        pdf.set_font(FONT, "B", title_size)
    pdf.cell(0, 9, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 6, SUBTITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    pdf.set_font(FONT, "", BODY_SIZE)
    render_paragraph(pdf, INTRO)

    first_chapter = True
    for heading, blocks in sections:
        if is_chapter(heading):
            if not first_chapter:
                pdf.add_page()
            first_chapter = False
        render_heading(pdf, heading)
        for block in blocks:
            render_block(pdf, block)
    return pdf


def main() -> None:
    pdf = build_pdf(SECTIONS)
    OUTPUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(OUTPUT_PATH))
    print(f"wrote {OUTPUT_PATH.relative_to(REPO_ROOT)} ({pdf.pages_count} pages)")


if __name__ == "__main__":
    main()
