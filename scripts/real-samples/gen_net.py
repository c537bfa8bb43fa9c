import json
W = 54
def block(rows, footer):
    out = []
    for k, v in rows:
        out.append((k + ":").ljust(W) + v)
    out.append(footer)
    return "\r\n".join(out) + "\r\n\r\n"
def bom16(t): return b"\xff\xfe" + t.encode("utf-16-le")
samples = {
 "en-windows-11-powershell51-utf16le.txt": (bom16, [
  ("Force user logoff how long after time expires?", "Never"), ("Minimum password age (days)", "0"),
  ("Maximum password age (days)", "42"), ("Minimum password length", "0"),
  ("Length of password history maintained", "None"), ("Lockout threshold", "10"),
  ("Lockout duration (minutes)", "10"), ("Lockout observation window (minutes)", "10"),
  ("Computer role", "WORKSTATION")], "The command completed successfully."),
 "en-server-2019-domain-cmd-ascii.txt": (lambda t: t.encode("ascii"), [
  ("Force user logoff how long after time expires?", "Never"), ("Minimum password age (days)", "1"),
  ("Maximum password age (days)", "Unlimited"), ("Minimum password length", "14"),
  ("Length of password history maintained", "24"), ("Lockout threshold", "Never"),
  ("Lockout duration (minutes)", "30"), ("Lockout observation window (minutes)", "30"),
  ("Computer role", "PRIMARY")], "The command completed successfully."),
 "de-cmd-cp850.txt": (lambda t: t.encode("cp850"), [
  ("Erzwungene Abmeldung nach Ablauf der Zeit?", "Nie"), ("Minimale Kennwortgültigkeit (Tage)", "0"),
  ("Maximale Kennwortgültigkeit (Tage)", "42"), ("Minimale Kennwortlänge", "0"),
  ("Länge der Kennwortchronik", "Keine"), ("Sperrschwelle", "Nie"), ("Sperrdauer (Minuten)", "30"),
  ("Zurücksetzungsdauer des Sperrzählers (Minuten)", "30"), ("Computerrolle", "ARBEITSSTATION")],
  "Der Befehl wurde erfolgreich ausgeführt."),
 "de-powershell51-utf16le.txt": (bom16, [
  ("Erzwungene Abmeldung nach Ablauf der Zeit?", "Nie"), ("Minimale Kennwortgültigkeit (Tage)", "1"),
  ("Maximale Kennwortgültigkeit (Tage)", "Unbegrenzt"), ("Minimale Kennwortlänge", "12"),
  ("Länge der Kennwortchronik", "24"), ("Sperrschwelle", "5"), ("Sperrdauer (Minuten)", "15"),
  ("Zurücksetzungsdauer des Sperrzählers (Minuten)", "15"), ("Computerrolle", "PRIMÄR")],
  "Der Befehl wurde erfolgreich ausgeführt."),
 "fr-powershell51-utf16le.txt": (bom16, [
  ("Fermeture de session forcée après expiration du temps imparti ? ", "Jamais"),
  ("Durée de vie minimale du mot de passe (jours) ", "0"), ("Durée de vie maximale du mot de passe (jours) ", "42"),
  ("Longueur minimale du mot de passe ", "0"), ("Longueur de l'historique des mots de passe maintenue ", "Aucune"),
  ("Seuil de verrouillage ", "Jamais"), ("Durée du verrouillage (minutes) ", "30"),
  ("Fenêtre d'observation du verrouillage (minutes) ", "30"), ("Rôle de l'ordinateur ", "STATION DE TRAVAIL")],
  "La commande s'est terminée correctement."),
 "es-powershell7-utf8.txt": (lambda t: t.encode("utf-8"), [
  ("Forzar cierre de sesión tras expirar el tiempo", "Nunca"), ("Vigencia mínima de la contraseña (días)", "0"),
  ("Vigencia máxima de la contraseña (días)", "42"), ("Longitud mínima de la contraseña", "8"),
  ("Duración del historial de contraseñas mantenido", "Ninguno"), ("Umbral de bloqueo", "10"),
  ("Duración de bloqueo (minutos)", "10"), ("Ventana de observación de bloqueo (minutos)", "10"),
  ("Rol del equipo", "ESTACIÓN DE TRABAJO")], "Se ha completado el comando correctamente."),
 "it-cmd-cp850.txt": (lambda t: t.encode("cp850"), [
  ("Disconnessione forzata dopo la scadenza?", "Mai"), ("Validità minima password (giorni)", "0"),
  ("Validità massima password (giorni)", "90"), ("Lunghezza minima password", "7"),
  ("Lunghezza della cronologia password mantenuta", "Nessuna"), ("Soglia di blocco", "Mai"),
  ("Durata blocco (minuti)", "30"), ("Finestra di osservazione blocco (minuti)", "30"),
  ("Ruolo computer", "WORKSTATION")], "Esecuzione comando riuscita."),
 "pt-br-powershell51-utf16le.txt": (bom16, [
  ("Forçar logoff quanto tempo após o tempo expirar?", "Nunca"), ("Tempo mínimo de duração da senha (dias)", "0"),
  ("Tempo máximo de duração da senha (dias)", "42"), ("Comprimento mínimo da senha", "0"),
  ("Comprimento do histórico de senhas mantido", "Nenhum"), ("Limite de bloqueio", "Nunca"),
  ("Duração do bloqueio (minutos)", "30"), ("Janela de observação de bloqueio (minutos)", "30"),
  ("Função do computador", "ESTAÇÃO DE TRABALHO")], "Comando concluído com êxito."),
 "nl-powershell51-outfile-utf8-bom.txt": (lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"), [
  ("Gebruikers na verloop van tijd geforceerd afmelden?", "Nooit"), ("Minimale wachtwoordduur (dagen)", "0"),
  ("Maximale wachtwoordduur (dagen)", "Onbeperkt"), ("Minimale wachtwoordlengte", "15"),
  ("Lengte van wachtwoordgeschiedenis", "Geen"), ("Drempel voor vergrendeling", "10"),
  ("Vergrendelingsduur (minuten)", "10"), ("Observatievenster voor vergrendeling (minuten)", "10"),
  ("Computerrol", "WERKSTATION")], "De opdracht is voltooid."),
 "ru-powershell51-utf16le.txt": (bom16, [
  ("Принудительный выход по истечении времени?", "Никогда"), ("Минимальный срок действия пароля (дней)", "0"),
  ("Максимальный срок действия пароля (дней)", "42"), ("Минимальная длина пароля", "0"),
  ("Хранение неповторяющихся паролей", "Нет"), ("Блокировка после ошибок ввода пароля", "Никогда"),
  ("Длительность блокировки (минут)", "30"), ("Сброс счетчика блокировок через (минут)", "30"),
  ("Роль компьютера", "РАБОЧАЯ СТАНЦИЯ")], "Команда выполнена успешно."),
}
for name, (enc, rows, footer) in samples.items():
    open("net-accounts/" + name, "wb").write(enc(block(rows, footer)))
open("net-accounts/en-access-denied-cmd.txt", "wb").write(b"System error 5 has occurred.\r\n\r\nAccess is denied.\r\n\r\n")
open("net-accounts/de-systemfehler-cmd-cp850.txt", "wb").write("Systemfehler 5 aufgetreten.\r\n\r\nZugriff verweigert\r\n\r\n".encode("cp850"))
# Get-ADDefaultDomainPasswordPolicy, list form as PowerShell 5.1 `>` writes it (Microsoft's documented example values)
ad = """
ComplexityEnabled           : True
DistinguishedName           : DC=Fabrikam,DC=com
LockoutDuration             : 00:30:00
LockoutObservationWindow    : 00:30:00
LockoutThreshold            : 0
MaxPasswordAge              : 42.00:00:00
MinPasswordAge              : 1.00:00:00
MinPasswordLength           : 7
objectClass                 : {domainDNS}
objectGuid                  : 21f9a2d8-b38e-4c6a-9e87-6f0a4a1d0c55
PasswordHistoryCount        : 24
ReversibleEncryptionEnabled : False

""".replace("\n", "\r\n")
open("ad-policy/get-addefaultdomainpasswordpolicy-ps51-utf16le.txt", "wb").write(bom16(ad))
def ts(days=0, h=0, m=0):
    total_min = days * 1440 + h * 60 + m
    ticks = total_min * 600000000
    return {"Ticks": ticks, "Days": days, "Hours": h, "Milliseconds": 0, "Minutes": m, "Seconds": 0,
            "TotalDays": total_min / 1440, "TotalHours": total_min / 60, "TotalMilliseconds": total_min * 60000,
            "TotalMinutes": total_min, "TotalSeconds": total_min * 60}
obj = {"ComplexityEnabled": True, "DistinguishedName": "DC=contoso,DC=local", "LockoutDuration": ts(m=15),
       "LockoutObservationWindow": ts(m=15), "LockoutThreshold": 5, "MaxPasswordAge": ts(days=0),
       "MinPasswordAge": ts(days=1), "MinPasswordLength": 15, "objectClass": ["domainDNS"],
       "objectGuid": "8a1d2a31-6f3c-4b1f-9a3e-2c7d5b9e0f11", "PasswordHistoryCount": 24,
       "ReversibleEncryptionEnabled": False, "PropertyNames": ["ComplexityEnabled", "DistinguishedName"],
       "AddedProperties": [], "RemovedProperties": [], "ModifiedProperties": [], "PropertyCount": 12}
text = json.dumps(obj, indent=4).replace('": ', '":  ')  # PowerShell 5.1 writes two spaces after the colon
open("ad-policy/get-addefaultdomainpasswordpolicy-convertto-json-ps51-utf16le.json", "wb").write(bom16(text.replace("\n", "\r\n") + "\r\n"))
open("ad-policy/get-addefaultdomainpasswordpolicy-convertto-json-ps7-utf8.json", "w").write(json.dumps(obj, indent=2) + "\n")
