import csv, io
from datetime import date, datetime
import openpyxl
people = [  # employee number, first, last, email, hired, department
    ("101", "Maria", "Alvarez", "maria.alvarez@lonestar-dental.example", "2019-03-04", "Front desk"),
    ("102", "José", "Núñez", "jose.nunez@lonestar-dental.example", "2021-07-19", "Hygiene"),
    ("103", "Priya", "Raman", "priya.raman@lonestar-dental.example", "2026-10-26", "Billing"),
    ("104", "Tom", "O'Brien", "tom.obrien@lonestar-dental.example", "2015-01-12", "Management"),
    ("105", "Chloé", "Dubois", "chloe.dubois@lonestar-dental.example", "2024-02-05", "Hygiene"),
]
def write_csv(path, header, rows, *, encoding="utf-8", delimiter=",", newline="\r\n", bom=b""):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    w.writerow(header); w.writerows(rows)
    open(path, "wb").write(bom + buf.getvalue().encode(encoding))
# HR export with an "Employee #" column beside First/Last Name (BambooHR's field name)
write_csv("training-csv/hr-staff-employee-number.csv",
          ["Employee #", "First Name", "Last Name", "Work Email", "Hire Date", "Department"],
          [list(p) for p in people])
# Proofpoint Security Awareness "User Enrollments" statuses
write_csv("training-csv/proofpoint-user-enrollments.csv",
          ["First Name", "Last Name", "Email Address", "Assignment", "Module", "Enrollment Status",
           "Enrollment Date", "Due Date", "Completion Date (UTC)"],
          [["Maria", "Alvarez", people[0][3], "2026 Annual Security Awareness", "Phishing Fundamentals", "Complete", "2026-01-05", "2026-02-05", "2026-01-20"],
           ["José", "Núñez", people[1][3], "2026 Annual Security Awareness", "Phishing Fundamentals", "Overdue - Completed", "2026-01-05", "2026-02-05", "2026-03-02"],
           ["Priya", "Raman", people[2][3], "New Hire Security Basics", "Phishing Fundamentals", "Not Started", "2026-10-27", "2026-11-26", ""],
           ["Tom", "O'Brien", people[3][3], "2026 Annual Security Awareness", "Phishing Fundamentals", "Overdue - In Progress", "2026-01-05", "2026-02-05", ""],
           ["Chloé", "Dubois", people[4][3], "2025 Annual Security Awareness", "Phishing Fundamentals", "Complete", "2025-01-06", "2025-02-06", "2025-01-14"]])
# Excel "CSV (Comma delimited)" on a Western European Windows: Windows-1252
write_csv("training-csv/roster-excel-csv-cp1252.csv", ["Name", "Email", "Course", "Completion Date"],
          [["Núñez, José", people[1][3], "Security Awareness 2026", "03/02/2026"],
           ["Dubois, Chloé", people[4][3], "Security Awareness 2025", "01/14/2025"]], encoding="cp1252")
# Excel "CSV UTF-8" in a German locale: BOM and semicolons
write_csv("training-csv/roster-excel-csv-utf8-semicolon.csv", ["Name", "E-Mail", "Kurs", "Completed"],
          [["Maria Alvarez", people[0][3], "Security Awareness 2026", "2026-01-20"],
           ["José Núñez", people[1][3], "Security Awareness 2026", "2026-03-02"]], delimiter=";", bom=b"\xef\xbb\xbf")
# Excel "Unicode Text": tab-delimited UTF-16LE with a BOM
write_csv("training-csv/roster-excel-unicode-text-utf16le.txt", ["Name", "Email", "Course", "Completed"],
          [["Maria Alvarez", people[0][3], "Security Awareness 2026", "2026-01-20"],
           ["Chloé Dubois", people[4][3], "Security Awareness 2025", "2025-01-14"]],
          encoding="utf-16-le", delimiter="\t", bom=b"\xff\xfe")
# .xlsx: a roster with real Excel dates, and the HR list with Employee #
book = openpyxl.Workbook(); sheet = book.active; sheet.title = "Completions"
sheet.append(["Training completions, Lone Star Dental"])
sheet.append([])
sheet.append(["First Name", "Last Name", "Email", "Course", "Status", "Completion Date"])
sheet.append(["Maria", "Alvarez", people[0][3], "Security Awareness 2026", "Passed", datetime(2026, 1, 20)])
sheet.append(["Tom", "O'Brien", people[3][3], "Security Awareness 2026", "In Progress", None])
sheet.append(["Chloé", "Dubois", people[4][3], "Security Awareness 2025", "Passed", datetime(2025, 1, 14)])
for row in sheet.iter_rows(min_row=4, min_col=6, max_col=6):
    row[0].number_format = "mm/dd/yyyy"
book.save("training-xlsx/roster-with-title-row.xlsx")
book = openpyxl.Workbook(); sheet = book.active; sheet.title = "Employees"
sheet.append(["Employee #", "First Name", "Last Name", "Work Email", "Hire Date", "Department"])
for p in people:
    sheet.append([int(p[0]), p[1], p[2], p[3], datetime.fromisoformat(p[4]), p[5]])
book.save("training-xlsx/hr-staff-employee-number.xlsx")
raw = open("training-xlsx/roster-with-title-row.xlsx", "rb").read()
open("training-xlsx/roster-truncated-download.xlsx", "wb").write(raw[: len(raw) // 2])
# GoPhish "Export CSV > Results": Papa.unparse(campaign.results), fields in models/result.go order
res_header = ["id", "status", "ip", "latitude", "longitude", "send_date", "reported", "modified_date", "email",
              "first_name", "last_name", "position"]
rows = [["7hAq2Zx", "Clicked Link", "203.0.113.24", "30.2672", "-97.7431", "2026-11-03T14:02:11.123456789Z", "false",
         "2026-11-03T14:20:45.000000001Z", people[0][3], "Maria", "Alvarez", "Front desk"],
        ["Rk3mP0a", "Email Opened", "203.0.113.24", "30.2672", "-97.7431", "2026-11-03T14:02:11.223456789Z", "true",
         "2026-11-03T15:01:02.5Z", people[1][3], "José", "Núñez", "Hygienist"],
        ["Yb8sT1c", "Submitted Data", "198.51.100.7", "0", "0", "2026-11-03T14:02:11.323456789Z", "false",
         "2026-11-03T16:11:09Z", people[3][3], "Tom", "O'Brien", "Office manager"],
        ["Qp4nW9d", "Email Sent", "", "0", "0", "2026-11-03T14:02:11.423456789Z", "false",
         "2026-11-03T14:02:11.423456789Z", people[4][3], "Chloé", "Dubois", "Hygienist"],
        ["Lm2vX7e", "Error", "", "0", "0", "0001-01-01T00:00:00Z", "false", "2026-11-03T14:02:12Z",
         "frank.lee@lonestar-dental.example", "Frank", "Lee", "Temp"]]
write_csv("gophish/Q4 invoice lure - Results.csv", res_header, rows, newline="\r\n")
write_csv("gophish/Q4 invoice lure - Results-utf8-bom.csv", res_header, rows, bom=b"\xef\xbb\xbf")
write_csv("gophish/Q4 invoice lure - Events.csv", ["campaign_id", "email", "time", "message", "details"],
          [["4", "", "2026-11-03T14:02:10Z", "Campaign Created", ""],
           ["4", people[0][3], "2026-11-03T14:02:11Z", "Email Sent", ""],
           ["4", people[0][3], "2026-11-03T14:20:45Z", "Clicked Link",
            '{"payload":{"rid":["7hAq2Zx"]},"browser":{"address":"203.0.113.24","user-agent":"Mozilla/5.0"}}']])
# Microsoft Attack Simulation Training, simulation coverage per user (Graph
# attackSimulationSimulationUserCoverage) flattened with Select-Object and Export-Csv in PowerShell 5.1
cov_header = ["DisplayName", "Email", "SimulationCount", "ClickCount", "CompromisedCount", "LatestSimulationDateTime"]
cov = [["Maria Alvarez", people[0][3], "4", "2", "1", "11/3/2026 2:02:11 PM"],
       ["José Núñez", people[1][3], "4", "0", "0", "11/3/2026 2:02:11 PM"],
       ["Tom O'Brien", people[3][3], "4", "3", "2", "11/3/2026 2:02:11 PM"]]
buf = io.StringIO(); w = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
w.writerow(cov_header); w.writerows(cov)
body = "#TYPE Selected.Microsoft.Graph.PowerShell.Models.MicrosoftGraphAttackSimulationSimulationUserCoverage\r\n" + buf.getvalue()
open("attack-sim/user-coverage-export-csv-ps51.csv", "wb").write(body.encode("ascii", errors="replace"))
open("attack-sim/user-coverage-convertto-csv-outfile-ps51-utf16le.csv", "wb").write(b"\xff\xfe" + buf.getvalue().encode("utf-16-le"))
# YAML roster as a consultant types it
open("training-yaml/roster-typed.yaml", "w", encoding="utf-8").write("""# Completions noted from the paper sign-in sheet
- {name: Maria Alvarez, email: maria.alvarez@lonestar-dental.example, completed: 2026-01-20, course: Security Awareness 2026}
- {name: "O'Brien, Tom", completed: 2025-11-02, status: yes}
- name: Chloé Dubois
  completed: 2025-01-14
  status: no   # signed up, did not attend: stays the string "no", never false
""")
